#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "conf/ConfigLoader.hpp"
#include "ctl/Commands.hpp"
#include "health/HealthState.hpp"
#include "health/HealthTableReader.hpp"
#include "health/ProbeRun.hpp"

namespace pharos::ctl {
namespace {

using nlohmann::json;

std::string ago(int64_t then_ms, int64_t now_ms) {
    if (then_ms == 0) {
        return "never";
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fs ago", double(now_ms - then_ms) / 1000.0);
    return buf;
}

const char* effective(lb::Health h) {
    return h == lb::Health::Up ? "up" : h == lb::Health::Down ? "down" : "unknown";
}

// What `status` knows, read once, so the text and the JSON forms cannot disagree.
struct Snapshot {
    health::TableStatus status;
    bool verdicts_used;
    int64_t now_ms;
};

json memberJson(const conf::Pool& pool, size_t i, const health::HealthTableReader& table,
                const Snapshot& snap) {
    const auto& m = pool.members[i];
    uint32_t slot = pool.first_slot + uint32_t(i);
    json j = {{"name", m.name}, {"address", m.ip.str()}, {"weight", m.weight}};
    health::SlotView v;
    // The slot as the prober left it, even when the backend does not use it (fail-open).
    if (table.readSlot(slot, v)) {
        j["state"] = health::toString(v.state);
        j["admin"] = health::toString(v.admin);
        j["flapping"] = v.flapping;
        j["last_change_ms"] = v.last_change_ms;
        j["last_check_ms"] = v.last_check_ms;
        j["latency_us"] = v.latency_us;
        j["consecutive_ok"] = v.consecutive_ok;
        j["consecutive_fail"] = v.consecutive_fail;
        j["last_failure"] = v.reason == health::FailureReason::None ? "" : toString(v.reason);
    }
    // What the backend counts the member as: fail-open counts every member as up.
    j["effective"] = snap.verdicts_used ? effective(table.verdict(slot)) : "up";
    return j;
}

json statusJson(const conf::Config& config, const health::HealthTableReader& table,
                const Snapshot& snap) {
    json doc = {
        {"table",
         {{"name", config.settings.health_table},
          {"status", health::toString(snap.status)},
          {"verdicts_used", snap.verdicts_used},
          {"on_stale", config.settings.on_stale == conf::StalePolicy::LastKnown ? "last-known"
                                                                                : "fail-open"}}}};
    if (const auto* h = table.header()) {
        doc["table"]["writer_pid"] = h->writer_pid;
        doc["table"]["heartbeat_age_ms"] = snap.now_ms - h->heartbeat_ms.load();
        doc["table"]["generation"] = h->generation.load();
        doc["table"]["ready"] = h->ready.load() != 0;
    }
    doc["pools"] = json::array();
    for (const auto& pool : config.pools) {
        json p = {{"name", pool.name},
                  {"monitor", conf::toString(pool.monitor)},
                  {"lb_method", conf::toString(pool.lb_method)},
                  {"members", json::array()}};
        for (size_t i = 0; i < pool.members.size(); ++i) {
            p["members"].push_back(memberJson(pool, i, table, snap));
        }
        doc["pools"].push_back(std::move(p));
    }
    return doc;
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

void printText(const conf::Config& config, const health::HealthTableReader& table,
               const Snapshot& snap) {
    std::printf("health table %s: %s\n", config.settings.health_table.c_str(),
                health::toString(snap.status));
    if (const auto* h = table.header()) {
        std::printf("  prober pid %d, heartbeat %s, generation %llu, %u slots, %s\n", h->writer_pid,
                    ago(h->heartbeat_ms.load(), snap.now_ms).c_str(),
                    static_cast<unsigned long long>(h->generation.load()), h->slot_count,
                    h->ready.load() ? "ready" : "not ready");
    }
    if (!snap.verdicts_used) {
        std::printf("  the backend answers as if every member were up (fail-open)\n");
        return;
    }
    if (snap.status != health::TableStatus::Ok) {
        std::printf("  the backend keeps using the last verdicts (on_stale: last-known)\n");
    }
    if (printMembers(config, table, snap.now_ms)) {
        std::printf("* flapping: changed state %d times within the flapping window\n",
                    health::HealthState::kFlapChanges);
    }
}

}  // namespace

// Shows what the backend sees: the table's status under the backend's own policy
// (health::usesVerdicts), then every member's slot. Exits 0 when the backend uses the
// verdicts, 1 when it fails open.
int runStatus(const Options& options) {
    auto config = loadForCommand(options);
    if (!config) {
        return 2;
    }
    health::HealthTableReader table(config->settings.health_table);
    table.refresh();
    Snapshot snap;
    snap.now_ms = health::realtimeMs();
    snap.status = table.status(config->layout_hash, snap.now_ms,
                               int64_t(config->settings.stale_after.count() * 1000));
    snap.verdicts_used = health::usesVerdicts(snap.status, config->settings.on_stale);
    if (options.json) {
        std::printf("%s\n", statusJson(*config, table, snap).dump(2).c_str());
    } else {
        printText(*config, table, snap);
    }
    return snap.verdicts_used ? 0 : 1;
}

}  // namespace pharos::ctl
