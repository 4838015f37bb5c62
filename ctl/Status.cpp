#include <cstdio>
#include <string>

#include "conf/ConfigLoader.hpp"
#include "ctl/Commands.hpp"
#include "health/HealthState.hpp"
#include "health/HealthTableReader.hpp"
#include "health/ProbeRun.hpp"

namespace pharos::ctl {
namespace {

std::string ago(int64_t then_ms, int64_t now_ms) {
    if (then_ms == 0) {
        return "never";
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fs ago", double(now_ms - then_ms) / 1000.0);
    return buf;
}

// Returns whether any member is flapping.
bool printMembers(const conf::Config& config, const health::HealthTableReader& table, int64_t now) {
    bool flapping = false;
    std::printf("%-16s %-12s %-40s %-8s %-10s %-13s %-13s %9s %s\n", "POOL", "MEMBER", "ADDRESS",
                "STATE", "ADMIN", "CHANGED", "CHECKED", "LATENCY", "LAST FAILURE");
    for (const auto& pool : config.pools) {
        for (size_t i = 0; i < pool.members.size(); ++i) {
            const auto& m = pool.members[i];
            health::SlotView v;
            bool have = table.readSlot(pool.first_slot + uint32_t(i), v);
            std::string state = have ? health::toString(v.state) : "-";
            if (have && v.flapping) {
                state += "*";
                flapping = true;
            }
            std::printf("%-16s %-12s %-40s %-8s %-10s %-13s %-13s %7.1fms %s\n", pool.name.c_str(),
                        m.name.c_str(), m.ip.str().c_str(), state.c_str(),
                        have ? health::toString(v.admin) : "-",
                        have ? ago(v.last_change_ms, now).c_str() : "-",
                        have ? ago(v.last_check_ms, now).c_str() : "-",
                        have ? double(v.latency_us) / 1000.0 : 0.0,
                        have && v.reason != health::FailureReason::None ? toString(v.reason) : "");
        }
    }
    return flapping;
}

}  // namespace

// Shows what the backend sees: the table's status under the backend's own rules, then every
// member's slot. Exits 0 when the backend would use the verdicts, 1 when it would fail open.
int runStatus(const Options& options) {
    auto config = loadForCommand(options);
    if (!config) {
        return 2;
    }
    health::HealthTableReader table(config->settings.health_table);
    table.refresh();
    int64_t now = health::realtimeMs();
    auto status = table.status(config->layout_hash, now,
                               int64_t(config->settings.stale_after.count() * 1000));
    std::printf("health table %s: %s\n", config->settings.health_table.c_str(),
                health::toString(status));
    if (const auto* h = table.header()) {
        std::printf("  prober pid %d, heartbeat %s, generation %llu, %u slots, %s\n", h->writer_pid,
                    ago(h->heartbeat_ms.load(), now).c_str(),
                    static_cast<unsigned long long>(h->generation.load()), h->slot_count,
                    h->ready.load() ? "ready" : "not ready");
    }
    if (status != health::TableStatus::Ok) {
        std::printf("  the backend answers as if every member were up (%s)\n",
                    config->settings.on_stale == conf::StalePolicy::LastKnown &&
                            status == health::TableStatus::Stale
                        ? "no: on_stale is last-known, it keeps the last verdicts"
                        : "fail-open");
    }
    if (status == health::TableStatus::Ok || status == health::TableStatus::Stale) {
        if (printMembers(*config, table, now)) {
            std::printf("* flapping: changed state %d times within the flapping window\n",
                        health::HealthState::kFlapChanges);
        }
    }
    return status == health::TableStatus::Ok ? 0 : 1;
}

}  // namespace pharos::ctl
