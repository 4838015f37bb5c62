#include "state/TableVerdicts.hpp"

#include <time.h>

#include <algorithm>

#include "base/Clock.hpp"
#include "base/Log.hpp"

namespace pharos::state {
bool TableVerdicts::fill(const conf::Config& config, const conf::Pool& pool,
                         std::span<lb::Health> out) {
    auto stale_ms = int64_t(config.settings.stale_after.count() * 1000);
    TableStatus status = reader_.status(config.layout_hash, base::coarseRealtimeMs(), stale_ms);
    bool trusted = usesVerdicts(status, config.settings.on_stale);
    noteStatus(status, trusted);
    if (!trusted) {
        std::fill(out.begin(), out.end(), lb::Health::Up);
        return false;
    }
    for (size_t i = 0; i < out.size(); ++i) {
        out[i] = reader_.verdict(pool.first_slot + uint32_t(i), pool.members[i].alert_only);
    }
    return true;
}

void TableVerdicts::noteStatus(TableStatus status, bool trusted) {
    if (logged_once_ && status == last_) {
        return;
    }
    if (trusted) {
        PHAROS_LOG(Info, "health table: " << tableStatusText(status) << "; using its verdicts");
    } else {
        PHAROS_LOG(Warning, "health table: " << tableStatusText(status)
                                             << "; answering as if every member were up");
    }
    last_ = status;
    logged_once_ = true;
}

}  // namespace pharos::state
