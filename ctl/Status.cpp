#include <time.h>

#include <cstdio>
#include <string>

#include "admin/AdminStateFile.hpp"
#include "base/Clock.hpp"
#include "base/Timestamp.hpp"
#include "conf/ConfigLoader.hpp"
#include "ctl/Commands.hpp"
#include "ctl/ControlClient.hpp"
#include "state/FailureText.hpp"
#include "state/HealthTableReader.hpp"
#include "state/TableVerdicts.hpp"
#include "status/StatusDocument.hpp"
#include "status/VotesText.hpp"

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

// What `status` knows, read once, so the text and the JSON forms cannot disagree.
struct Snapshot {
    state::TableStatus status;
    bool verdicts_used;
    int64_t now_ms;
    admin::AdminOverrides overrides;  // as the admin-state file has them
    admin::PolicyRecords policy;
    std::string overrides_error;  // why the file could not be read, if so
};

struct Marks {
    bool flapping = false;
    bool stale = false;
};

Marks printMembers(const conf::Config& config, const state::HealthTableReader& table, int64_t now) {
    Marks marks;
    std::printf("%-16s %-12s %-40s %-8s %-10s %-17s %-13s %-13s %9s %s\n", "POOL", "MEMBER",
                "ADDRESS", "STATE", "ADMIN", "POLICY", "CHANGED", "CHECKED", "LATENCY",
                "LAST FAILURE");
    for (const auto& pool : config.pools) {
        for (size_t i = 0; i < pool.members.size(); ++i) {
            const auto& m = pool.members[i];
            state::SlotView v;
            bool have = table.readSlot(pool.first_slot + uint32_t(i), v);
            std::string state = have ? state::toString(v.state) : "-";
            if (have && v.flapping) {
                state += "*";
                marks.flapping = true;
            }
            if (have && v.stale) {
                state += "~";
                marks.stale = true;
            }
            const char* hold = have ? state::toString(v.hold) : "-";
            std::printf("%-16s %-12s %-40s %-8s %-10s %-17s %-13s %-13s %7.1fms %s\n",
                        pool.name.c_str(), m.name.c_str(), conf::memberTarget(m).c_str(),
                        state.c_str(), have ? state::toString(v.admin) : "-", *hold ? hold : "-",
                        have ? ago(v.last_change_ms, now).c_str() : "-",
                        have ? ago(v.last_check_ms, now).c_str() : "-",
                        have ? double(v.latency_us) / 1000.0 : 0.0,
                        have && v.reason != state::FailureReason::None
                            ? state::failureText(config, pool, m, v.reason, v.detail).c_str()
                            : "");
        }
    }
    return marks;
}

void printOverrides(const conf::Config& config, const Snapshot& snap) {
    if (!snap.overrides_error.empty()) {
        std::printf(
            "admin state %s CANNOT BE READ: %s\n  pharos-health runs with no "
            "overrides until a pharosctl command replaces the file\n",
            config.settings.admin_state.c_str(), snap.overrides_error.c_str());
    }
    if (snap.overrides.all().empty()) {
        return;
    }
    std::printf("admin overrides (%s):\n", config.settings.admin_state.c_str());
    for (const auto& o : snap.overrides.all()) {
        std::printf("  %s/%s %s: %s by %s since %s%s%s%s\n", o.pool.c_str(), o.member.c_str(),
                    o.address.c_str(), state::toString(o.action), o.by.c_str(),
                    base::formatRfc3339(o.since_ms).c_str(), o.until_ms ? ", until " : "",
                    o.until_ms ? base::formatRfc3339(o.until_ms).c_str() : "",
                    o.reason.empty() ? "" : (" (" + o.reason + ")").c_str());
    }
}

// Pools whose answers a DR policy is holding, and what ends each hold.
void printPolicies(const nlohmann::json& doc) {
    bool header = false;
    auto line = [&](const std::string& text) {
        if (!header) {
            std::printf("DR policies:\n");
            header = true;
        }
        std::printf("  %s\n", text.c_str());
    };
    int64_t now = doc["now_ms"].get<int64_t>();
    for (const auto& p : doc["pools"]) {
        std::string name = p["name"].get<std::string>();
        if (p.contains("holder") && !p["holder"].is_null()) {
            const auto& h = p["holder"];
            line(name + ": answers held on " + h["member"].get<std::string>() + " " +
                 h["address"].get<std::string>() + " since " + base::formatRfc3339(h["since_ms"]) +
                 (h["directed"].get<bool>() ? " (moved by " + h["by"].get<std::string>() + ")"
                                            : " (failback: manual)") +
                 " until pharosctl failback " + name);
        }
        for (const auto& a : p.value("pending_approvals", nlohmann::json::array())) {
            line(name + ": " + a["member"].get<std::string>() + " " +
                 a["address"].get<std::string>() + " down since " +
                 base::formatRfc3339(a["since_ms"]) + ", AWAITING APPROVAL: pharosctl failover " +
                 name);
        }
        for (const auto& m : p["members"]) {
            if (m.value("policy", "") == "failover-after") {
                line(name + ": " + m["name"].get<std::string>() + " down, kept in the answers " +
                     "for " + std::to_string((m["policy_until_ms"].get<int64_t>() - now) / 1000) +
                     "s more (failover_after)");
            }
        }
        for (const auto& w : p.value("maintenance", nlohmann::json::array())) {
            std::string who = w["member"].get<std::string>();
            line(name + ": maintenance of " + (who.empty() ? "every member" : who) + " " +
                 base::formatRfc3339(w["start_ms"]) + " - " + base::formatRfc3339(w["end_ms"]) +
                 (w["start_ms"].get<int64_t>() <= now ? " (NOW)" : "") +
                 (w["reason"].get<std::string>().empty() ? ""
                                                         : ": " + w["reason"].get<std::string>()));
        }
    }
}

// The node's link to the cluster and the votes that differ from this node's own checks.
void printCluster(const nlohmann::json& doc) {
    const auto& c = doc.value("cluster", nlohmann::json());
    if (!c.is_object()) {
        return;
    }
    if (c.contains("error")) {  // the prober could not be asked: nothing of the cluster is known
        std::printf("cluster: %s\n", c["error"].get<std::string>().c_str());
        return;
    }
    bool up = c["store"] == "connected";
    std::printf("cluster: node %s (%s), etcd %s since %s%s\n  nodes voting: ",
                c["node"].get<std::string>().c_str(), c["site"].get<std::string>().c_str(),
                up ? "connected" : "UNREACHABLE: deciding alone with the last shared state",
                base::formatRfc3339(c["store_since_ms"].get<int64_t>()).c_str(),
                up ? "" : (" (" + c["store_error"].get<std::string>() + ")").c_str());
    for (const auto& n : c["live_nodes"]) {
        std::printf("%s ", n.get<std::string>().c_str());
    }
    std::printf("\n");
    for (const auto& p : doc["pools"]) {
        if (p["health_quorum"] == "local") {
            continue;
        }
        for (const auto& m : p["members"]) {
            std::string votes = m.contains("votes") ? status::votesText(m["votes"]) : "";
            std::printf("  %s/%s votes (health_quorum %s):%s\n",
                        p["name"].get<std::string>().c_str(), m["name"].get<std::string>().c_str(),
                        p["health_quorum"].get<std::string>().c_str(), votes.c_str());
        }
    }
}

// Whether the prober keeps up with its schedule, which the table does not hold. Asked briefly
// and quietly: status works without the prober, and a prober too starved to answer within two
// seconds is behind by definition.
void addProberLoad(const conf::Config& config, nlohmann::json& doc) {
    auto reply = askProber(config.settings.control_socket, {{"command", "prober"}},
                           std::chrono::seconds(2), /*quiet=*/true);
    if (!reply || !reply->value("ok", false)) {
        doc["prober"] = {{"error", "pharos-health did not answer on its control socket"}};
        return;
    }
    doc["prober"] = (*reply)["prober"];
}

void printProberLoad(const nlohmann::json& doc) {
    const auto& p = doc.value("prober", nlohmann::json());
    if (p.is_null()) {
        return;
    }
    if (p.contains("error")) {
        std::printf("  prober: %s\n", p["error"].get<std::string>().c_str());
        return;
    }
    if (!p.value("behind", false)) {
        return;
    }
    std::printf(
        "  prober behind schedule: checks %.1f s late (loop lag %.1f s, %llu in flight of "
        "max_in_flight %llu, %llu waiting); %llu members stale, their last verdicts kept\n",
        p.value("late_seconds", 0.0), p.value("loop_lag_seconds", 0.0),
        static_cast<unsigned long long>(p.value("in_flight", 0ULL)),
        static_cast<unsigned long long>(p.value("max_in_flight", 0ULL)),
        static_cast<unsigned long long>(p.value("waiting", 0ULL)),
        static_cast<unsigned long long>(p.value("members_stale", 0ULL)));
}

// The prober's view of the cluster, which the table does not hold.
void addCluster(const conf::Config& config, nlohmann::json& doc) {
    if (!config.settings.cluster.enabled()) {
        return;
    }
    auto reply = askProber(config.settings.control_socket, {{"command", "cluster"}});
    if (!reply || !reply->value("ok", false)) {
        doc["cluster"] = {{"error", "pharos-health could not be asked"}};
        return;
    }
    doc["cluster"] = (*reply)["cluster"];
    for (auto& p : doc["pools"]) {
        for (auto& m : p["members"]) {
            const auto& votes = (*reply)["votes"];
            std::string pool = p["name"], address = m["address"];
            if (votes.contains(pool) && votes[pool].contains(address)) {
                m["votes"] = votes[pool][address];
            }
        }
    }
}

void printText(const conf::Config& config, const state::HealthTableReader& table,
               const Snapshot& snap, const nlohmann::json& doc) {
    std::printf("health table %s: %s\n", config.settings.health_table.c_str(),
                state::tableStatusText(snap.status));
    if (const auto* h = table.header()) {
        std::printf("  prober pid %d, heartbeat %s, generation %llu, %u slots, %s\n", h->writer_pid,
                    ago(h->heartbeat_ms.load(), snap.now_ms).c_str(),
                    static_cast<unsigned long long>(h->generation.load()), h->slot_count,
                    h->ready.load() ? "ready" : "not ready");
    }
    printProberLoad(doc);
    if (!snap.verdicts_used) {
        std::printf("  the backend answers as if every member were up (fail-open)\n");
        printOverrides(config, snap);
        return;
    }
    if (snap.status != state::TableStatus::Ok) {
        std::printf("  the backend keeps using the last verdicts (on_stale: last-known)\n");
    }
    Marks marks = printMembers(config, table, snap.now_ms);
    if (marks.flapping) {
        std::printf("* flapping: changed state %d times within the flapping window\n",
                    state::kFlapChanges);
    }
    if (marks.stale) {
        std::printf(
            "~ stale: no check has counted within the member's detection bound (the "
            "prober is behind); the backend keeps using the last verdict\n");
    }
    printPolicies(doc);
    printOverrides(config, snap);
    printCluster(doc);
}

}  // namespace

// Shows what the backend sees: the table's status under the backend's own policy
// (state::TableVerdicts), then every member's slot. Exits 0 when the backend uses the
// verdicts, 1 when it fails open (or the configuration has errors).
int runStatus(const Options& options) {
    auto config = loadForCommand(options);
    if (!config) {
        return kExitProblem;
    }
    state::HealthTableReader table(config->settings.health_table);
    table.refresh();
    Snapshot snap;
    snap.now_ms = base::realtimeMs();
    state::TableVerdicts gate(table, snap.now_ms);  // the backend's own table-trust gate
    snap.status = gate.status(*config);
    snap.verdicts_used = gate.trusted(*config);
    auto loaded = admin::loadAdminState(config->settings.admin_state);
    if (auto* state = std::get_if<admin::AdminState>(&loaded)) {
        snap.overrides = std::move(state->overrides);
        snap.policy = std::move(state->policy);
    } else {
        for (const auto& e : std::get<std::vector<conf::ConfigError>>(loaded)) {
            snap.overrides_error += (snap.overrides_error.empty() ? "" : "; ") + e.str();
        }
    }
    status::StatusInputs in{*config,    table, snap.overrides, snap.policy, snap.overrides_error,
                            snap.now_ms};
    nlohmann::json doc = status::statusDocument(in);
    addProberLoad(*config, doc);
    addCluster(*config, doc);
    if (options.json) {
        std::printf("%s\n", doc.dump(2).c_str());
    } else {
        printText(*config, table, snap, doc);
    }
    return snap.verdicts_used ? kExitOk : kExitProblem;
}

}  // namespace pharos::ctl
