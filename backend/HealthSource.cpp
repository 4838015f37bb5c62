#include "backend/HealthSource.hpp"

#include <time.h>

#include <algorithm>

#include "conf/Log.hpp"

namespace pharos::backend {
namespace {

int64_t realtimeMs() {
    // The coarse clock is read through the vDSO: no system call on the lookup path.
    timespec ts{};
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

bool TableHealthSource::fill(const conf::Config& config, const conf::Pool& pool,
                             std::span<lb::Health> out) {
    using health::TableStatus;
    auto stale_ms = int64_t(config.settings.stale_after.count() * 1000);
    TableStatus status = reader_.status(config.layout_hash, realtimeMs(), stale_ms);
    bool trusted = health::usesVerdicts(status, config.settings.on_stale);
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

void TableHealthSource::noteStatus(health::TableStatus status, bool trusted) {
    if (logged_once_ && status == last_) {
        return;
    }
    if (trusted) {
        PHAROS_LOG(Info, "health table: " << health::toString(status) << "; using its verdicts");
    } else {
        PHAROS_LOG(Warning, "health table: " << health::toString(status)
                                             << "; answering as if every member were up");
    }
    last_ = status;
    logged_once_ = true;
}

}  // namespace pharos::backend
