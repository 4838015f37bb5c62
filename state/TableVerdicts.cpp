#include "state/TableVerdicts.hpp"

#include <algorithm>

#include "base/Clock.hpp"
#include "base/Log.hpp"

namespace pharos::state {

TableVerdicts::TableVerdicts(const std::string& table_name) : log_(true) {
    own_.emplace(table_name);
    reader_ = &*own_;
}

TableVerdicts::TableVerdicts(const HealthTableReader& table, int64_t now_ms,
                             HeartbeatWatch* heartbeat)
    : reader_(&table), now_ms_(now_ms), watch_(heartbeat) {}

TableVerdicts::TableVerdicts(const HealthTableWriter& table) : writer_(&table) {}

const TableHeader* TableVerdicts::header() const {
    return writer_ ? &writer_->header() : reader_->header();
}

void TableVerdicts::refresh() {
    if (own_) {
        own_->refresh();
    }
}

TableStatus TableVerdicts::status(const conf::Config& config) const {
    auto stale_ms = int64_t(config.settings.stale_after.count() * 1000);
    // The prober's own table needs no watch: its answer watch takes a fail-open moment for a
    // new baseline, not for a move.
    HeartbeatWatch* watch = watch_ ? watch_ : own_ ? &heartbeat_ : nullptr;
    return statusOf(header(), config.layout_hash, now_ms_ ? *now_ms_ : base::coarseRealtimeMs(),
                    stale_ms, watch);
}

bool TableVerdicts::trusted(const conf::Config& config) const {
    return usesVerdicts(status(config), config.settings.on_stale);
}

bool TableVerdicts::fill(const conf::Config& config, const conf::Pool& pool,
                         std::span<lb::Health> out) {
    TableStatus status = this->status(config);
    bool trusted = usesVerdicts(status, config.settings.on_stale);
    noteStatus(status, trusted);
    if (!trusted) {
        std::fill(out.begin(), out.end(), lb::Health::Up);
        return false;
    }
    const TableHeader* h = header();
    for (size_t i = 0; i < out.size(); ++i) {
        out[i] = verdictAt(h, pool.first_slot + uint32_t(i), pool.members[i].alert_only);
    }
    return true;
}

void TableVerdicts::noteStatus(TableStatus status, bool trusted) {
    if (logged_once_ && status == last_) {
        return;
    }
    last_ = status;
    logged_once_ = true;
    if (!log_) {
        return;
    }
    if (trusted) {
        PHAROS_LOG(Info, "health table: " << tableStatusText(status) << "; using its verdicts");
    } else {
        PHAROS_LOG(Warning, "health table: " << tableStatusText(status)
                                             << "; answering as if every member were up");
    }
}

}  // namespace pharos::state
