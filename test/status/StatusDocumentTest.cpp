// The status document (`pharosctl status --json`, /status) built from a real health table, real
// admin overrides and DR-policy records, checked field by field: what only the end-to-end
// suites looked at before.
#include <unistd.h>

#include <catch2/catch.hpp>

#include "base/Timestamp.hpp"
#include "conf/ConfigLoader.hpp"
#include "state/HealthTableWriter.hpp"
#include "state/SharedMemory.hpp"
#include "status/StatusDocument.hpp"
#include "status/VotesText.hpp"

using namespace pharos;
using nlohmann::json;
using state::AdminOverride;
using state::MemberState;
using state::PolicyHold;

namespace {

const char* kLb = R"(
pools:
  web:
    monitor: http
    lb_method: fogroup
    failover_after: 30m
    failover: manual
    failback: manual
    members:
    - {ip: 10.0.0.1, name: www1, weight: 1}
    - {ip: 10.0.0.2, name: www2, weight: 1}
    - {ip: 10.0.0.3, name: www3, weight: 1}
    - {ip: 10.0.0.4, name: www4, weight: 1}
  geo:
    monitor: forced
    lb_method: twrr
    members:
    - {ip: 10.1.0.7, name: geo-east, weight: 1}
    - {ip: 10.2.0.7, name: geo-west, weight: 1}
globalnames:
  web.example.com.: {pool: web, ttl: 5}
  geo.example.com.: {pool: geo, ttl: 1}
maintenance:
- {pool: web, member: www3, start: '2026-12-01T22:00:00Z', end: '2026-12-01T23:00:00Z',
   reason: patching}
- {pool: web, member: 10.0.0.3, start: '2026-12-01T22:30:00Z', end: '2026-12-01T23:30:00Z',
   reason: kernel}
- {pool: web, member: www3, start: '2026-12-01T20:00:00Z', end: '2026-12-01T21:00:00Z'}
- {pool: geo, start: '2026-12-02T00:00:00Z', end: '2026-12-02T01:00:00Z', reason: move}
)";

const char* kTopology = R"(
east: [10.1.0.0/16]
west: [10.2.0.0/16]
)";

int64_t at(const char* rfc3339) {
    return *base::parseRfc3339(rfc3339);
}

const int64_t kNow = at("2026-12-01T22:15:00Z");

std::string uniqueName() {
    static int n = 0;
    return "/pharos-status-test-" + std::to_string(getpid()) + "-" + std::to_string(++n);
}

struct Cleanup {
    std::string name;
    ~Cleanup() { state::unlinkSharedMemory(name); }
};

conf::Config loadConfig(const std::string& table, const char* lb = kLb) {
    auto loaded = conf::loadLbText(lb, kTopology);
    REQUIRE(std::holds_alternative<conf::Config>(loaded));
    auto config = std::get<conf::Config>(std::move(loaded));
    config.settings.health_table = table;
    config.settings.table_group = "";
    config.settings.admin_state = "/var/lib/pharos/admin-state.json";
    return config;
}

state::SlotView slot(MemberState s, AdminOverride a, PolicyHold h,
                     state::FailureReason reason = state::FailureReason::None) {
    state::SlotView v;
    v.state = s;
    v.admin = a;
    v.hold = h;
    v.reason = reason;
    v.last_change_ms = kNow - 60'000;
    v.last_check_ms = kNow - 500;
    v.latency_us = 1200;
    v.consecutive_ok = s == MemberState::Up ? 3 : 0;
    v.consecutive_fail = s == MemberState::Down ? 2 : 0;
    return v;
}

// The web pool as a DR in progress: www1 down awaiting approval, www2 forced up and holding the
// answers, www3 drained by an operator and in a maintenance window, www4 down within its
// failover_after. Both geo members up.
void writeTable(state::HealthTableWriter& table, const conf::Config& config) {
    const auto& web = config.pools[size_t(config.poolIndex("web"))];
    const auto& geo = config.pools[size_t(config.poolIndex("geo"))];
    table.write(web.first_slot + 0,
                slot(MemberState::Down, AdminOverride::None, PolicyHold::AwaitingApproval,
                     state::FailureReason::ConnectRefused));
    table.write(web.first_slot + 1,
                slot(MemberState::Up, AdminOverride::ForcedUp, PolicyHold::None));
    table.write(web.first_slot + 2,
                slot(MemberState::Up, AdminOverride::Drain, PolicyHold::Maintenance));
    table.write(web.first_slot + 3, slot(MemberState::Down, AdminOverride::None,
                                         PolicyHold::FailoverAfter, state::FailureReason::Timeout));
    table.write(geo.first_slot + 0, slot(MemberState::Up, AdminOverride::None, PolicyHold::None));
    table.write(geo.first_slot + 1, slot(MemberState::Up, AdminOverride::None, PolicyHold::None));
    table.heartbeat(kNow - 200);
    table.markReady();
}

admin::AdminOverrides overrides() {
    admin::AdminOverrides o;
    o.set({"web", "www2", "10.0.0.2", AdminOverride::ForcedUp, "DR drill", "alice",
           kNow - 3'600'000, at("2026-12-02T06:00:00Z")});
    o.set({"web", "www3", "10.0.0.3", AdminOverride::Drain, "", "bob", kNow - 1'000, 0});
    return o;
}

admin::PolicyRecords policyRecords() {
    admin::PolicyRecords p;
    p.setHolder({"web", "www2", "10.0.0.2", true, kNow - 120'000, "alice", "site A down"});
    p.addPending({"web", "www1", "10.0.0.1", kNow - 60'000, false, ""});
    return p;
}

const json kNothing;

const json& member(const json& doc, const std::string& pool, const std::string& name) {
    for (const auto& p : doc["pools"]) {
        for (const auto& m : p["members"]) {
            if (p["name"] == pool && m["name"] == name) {
                return m;
            }
        }
    }
    FAIL("no member " << pool << "/" << name);
    return kNothing;
}

const json& poolOf(const json& doc, const std::string& name) {
    for (const auto& p : doc["pools"]) {
        if (p["name"] == name) {
            return p;
        }
    }
    FAIL("no pool " << name);
    return kNothing;
}

const json& globalname(const json& doc, const std::string& name) {
    for (const auto& g : doc["globalnames"]) {
        if (g["name"] == name) {
            return g;
        }
    }
    FAIL("no globalname " << name);
    return kNothing;
}

}  // namespace

TEST_CASE("status document: the table's status and each member's slot, override and hold") {
    std::string name = uniqueName();
    Cleanup cleanup{name};
    auto config = loadConfig(name);
    state::HealthTableWriter table(config, kNow - 10'000);
    writeTable(table, config);
    state::HealthTableReader reader(name);
    REQUIRE(reader.refresh());
    auto admin = overrides();
    auto policy = policyRecords();
    json doc = status::statusDocument({config, reader, admin, policy, "", kNow});

    CHECK(doc["now_ms"] == kNow);
    const json& t = doc["table"];
    CHECK(t["name"] == name);
    CHECK(t["status"] == "ok");
    CHECK(t["verdicts_used"] == true);
    CHECK(t["on_stale"] == "fail-open");
    CHECK(t["writer_pid"] == getpid());
    CHECK(t["heartbeat_age_ms"] == 200);
    CHECK(t["ready"] == true);
    CHECK(doc["admin_state"] ==
          json{{"file", "/var/lib/pharos/admin-state.json"}, {"overrides", 2}});
    CHECK(doc["cluster"].is_null());

    const json& www1 = member(doc, "web", "www1");
    CHECK(www1["address"] == "10.0.0.1");
    CHECK(www1["weight"] == 1);
    CHECK(www1["state"] == "down");
    CHECK(www1["admin"] == "none");
    CHECK(www1["policy"] == "awaiting-approval");
    CHECK(www1["effective"] == "up");  // kept in the answers until pharosctl failover
    CHECK(www1["last_failure"] == "connection refused");
    CHECK(www1["last_change_ms"] == kNow - 60'000);
    CHECK(www1["last_check_ms"] == kNow - 500);
    CHECK(www1["latency_us"] == 1200);
    CHECK(www1["consecutive_fail"] == 2);
    CHECK(www1["flapping"] == false);
    CHECK_FALSE(www1.contains("override"));
    CHECK_FALSE(www1.contains("policy_until_ms"));
    CHECK_FALSE(www1.contains("votes"));

    // One spelling: the table's override and the admin-state record say the same word.
    const json& www2 = member(doc, "web", "www2");
    CHECK(www2["state"] == "up");
    CHECK(www2["admin"] == "force-up");
    CHECK(www2["override"] == json{{"action", "force-up"},
                                   {"by", "alice"},
                                   {"reason", "DR drill"},
                                   {"since_ms", kNow - 3'600'000},
                                   {"until_ms", at("2026-12-02T06:00:00Z")}});
    CHECK(www2["policy"] == "");
    CHECK(www2["effective"] == "up");
    CHECK(www2["last_failure"] == "");

    const json& www3 = member(doc, "web", "www3");
    CHECK(www3["admin"] == "drain");
    CHECK(www3["override"]["action"] == "drain");
    CHECK_FALSE(www3["override"].contains("until_ms"));
    CHECK(www3["policy"] == "maintenance");
    // The two overlapping windows are one maintenance, which ends at the later end.
    CHECK(www3["policy_until_ms"] == at("2026-12-01T23:30:00Z"));
    CHECK(www3["effective"] == "drained");

    const json& www4 = member(doc, "web", "www4");
    CHECK(www4["policy"] == "failover-after");
    CHECK(www4["policy_until_ms"] == kNow - 60'000 + 30 * 60'000);
    CHECK(www4["effective"] == "up");
    CHECK(www4["last_failure"] == "timeout");
}

TEST_CASE("status document: each pool's DR policy, holder, approvals and windows") {
    std::string name = uniqueName();
    Cleanup cleanup{name};
    auto config = loadConfig(name);
    state::HealthTableWriter table(config, kNow - 10'000);
    writeTable(table, config);
    state::HealthTableReader reader(name);
    REQUIRE(reader.refresh());
    auto admin = overrides();
    auto policy = policyRecords();
    json doc = status::statusDocument({config, reader, admin, policy, "", kNow});

    const json& web = poolOf(doc, "web");
    CHECK(web["monitor"] == "http");
    CHECK(web["lb_method"] == "fogroup");
    CHECK(web["health_quorum"] == "local");
    CHECK(web["fallback"] == "any");
    CHECK(web["failover_after_s"] == 1800);
    CHECK(web["failback"] == "manual");
    CHECK(web["failover"] == "manual");
    CHECK(web["holder"] == json{{"member", "www2"},
                                {"address", "10.0.0.2"},
                                {"directed", true},
                                {"since_ms", kNow - 120'000},
                                {"by", "alice"},
                                {"reason", "site A down"}});
    CHECK(
        web["pending_approvals"] ==
        json::array({{{"member", "www1"}, {"address", "10.0.0.1"}, {"since_ms", kNow - 60'000}}}));
    // The window that ended is gone; the two that overlap are one, their reasons joined.
    CHECK(web["maintenance"] == json::array({{{"member", "www3"},
                                              {"start_ms", at("2026-12-01T22:00:00Z")},
                                              {"end_ms", at("2026-12-01T23:30:00Z")},
                                              {"reason", "patching; kernel"}}}));
    REQUIRE(web["members"].size() == 4);

    const json& geo = poolOf(doc, "geo");
    CHECK(geo["holder"].is_null());
    CHECK(geo["pending_approvals"] == json::array());
    CHECK(geo["failover_after_s"] == 0);
    CHECK(geo["maintenance"] == json::array({{{"member", ""},
                                              {"start_ms", at("2026-12-02T00:00:00Z")},
                                              {"end_ms", at("2026-12-02T01:00:00Z")},
                                              {"reason", "move"}}}));
}

TEST_CASE("status document: what each globalname answers, by region for twrr") {
    std::string name = uniqueName();
    Cleanup cleanup{name};
    auto config = loadConfig(name);
    state::HealthTableWriter table(config, kNow - 10'000);
    writeTable(table, config);
    state::HealthTableReader reader(name);
    REQUIRE(reader.refresh());
    auto admin = overrides();
    auto policy = policyRecords();
    json doc = status::statusDocument({config, reader, admin, policy, "", kNow});

    const json& web = globalname(doc, "web.example.com");
    CHECK(web["pool"] == "web");
    CHECK(web["ttl"] == 5);
    // fogroup: the first member the answers may use, www1, kept in by its awaited approval.
    CHECK(web["answers"] == json{{"A", {"10.0.0.1"}}});
    CHECK_FALSE(web.contains("by_region"));

    const json& geo = globalname(doc, "geo.example.com");
    CHECK(geo["by_region"] ==
          json{{"east", {{"A", {"10.1.0.7"}}}}, {"west", {{"A", {"10.2.0.7"}}}}});

    // A forced-down www1 leaves the answers to the next member that may be answered.
    table.write(config.pools[size_t(config.poolIndex("web"))].first_slot,
                slot(MemberState::Down, AdminOverride::ForcedDown, PolicyHold::None));
    doc = status::statusDocument({config, reader, admin, policy, "", kNow});
    CHECK(member(doc, "web", "www1")["admin"] == "force-down");
    CHECK(member(doc, "web", "www1")["effective"] == "down");
    CHECK(globalname(doc, "web.example.com")["answers"] == json{{"A", {"10.0.0.2"}}});
}

TEST_CASE("status document: a table the backend cannot trust fails open, in one spelling") {
    std::string name = uniqueName();
    Cleanup cleanup{name};
    auto config = loadConfig(name);
    admin::AdminOverrides none;
    admin::PolicyRecords no_policy;
    state::HealthTableReader reader(name);

    CHECK_FALSE(reader.refresh());
    json doc = status::statusDocument({config, reader, none, no_policy, "", kNow});
    CHECK(doc["table"]["status"] == "missing");
    CHECK(doc["table"]["verdicts_used"] == false);
    CHECK_FALSE(doc["table"].contains("writer_pid"));
    CHECK_FALSE(member(doc, "web", "www1").contains("state"));
    CHECK(member(doc, "web", "www1")["effective"] == "up");

    state::HealthTableWriter starting(config, kNow);
    REQUIRE(reader.refresh());
    doc = status::statusDocument({config, reader, none, no_policy, "", kNow});
    CHECK(doc["table"]["status"] == "not-ready");
    CHECK(member(doc, "web", "www1")["state"] == "unknown");
    CHECK(member(doc, "web", "www1")["effective"] == "up");

    // A prober that runs another configuration publishes its own table under the name.
    std::string other_lb = kLb;
    other_lb.replace(other_lb.find("10.0.0.4"), 8, "10.0.0.9");
    auto other = loadConfig(name, other_lb.c_str());
    state::HealthTableWriter replaced(other, kNow);
    replaced.markReady();
    replaced.heartbeat(kNow);
    REQUIRE(reader.refresh());
    doc = status::statusDocument({config, reader, none, no_policy, "", kNow});
    CHECK(doc["table"]["status"] == "other-config");
    CHECK(doc["table"]["verdicts_used"] == false);

    config.settings.on_stale = conf::StalePolicy::LastKnown;
    state::HealthTableWriter stale(config, kNow);
    stale.markReady();
    stale.heartbeat(kNow - 60'000);
    REQUIRE(reader.refresh());
    doc = status::statusDocument({config, reader, none, no_policy, "could not read it", kNow});
    CHECK(doc["table"]["status"] == "stale");
    CHECK(doc["table"]["on_stale"] == "last-known");
    CHECK(doc["table"]["verdicts_used"] == true);
    CHECK(doc["admin_state"]["error"] == "could not read it");
}

TEST_CASE("status document: each node's vote on a member, and the votes as people read them") {
    std::string name = uniqueName();
    Cleanup cleanup{name};
    auto config = loadConfig(name);
    state::HealthTableWriter table(config, kNow - 10'000);
    writeTable(table, config);
    state::HealthTableReader reader(name);
    REQUIRE(reader.refresh());
    admin::AdminOverrides none;
    admin::PolicyRecords no_policy;
    state::VoteBook votes;
    votes.setLayout(config.layout_hash);
    votes.set("a", {"north", true, {state::voteKey("web", "10.0.0.1")}, config.layout_hash});
    votes.set("b", {"south", true, {}, config.layout_hash});
    votes.set("c", {"south", true, {}, config.layout_hash + 1});
    votes.set("d", {"north", false, {}, config.layout_hash});
    status::StatusInputs in{config, reader, none, no_policy, "", kNow};
    in.cluster = {{"node", "a"}};
    in.votes = &votes;
    json doc = status::statusDocument(in);

    CHECK(doc["cluster"] == json{{"node", "a"}});
    const json& www1 = member(doc, "web", "www1");
    CHECK(www1["votes"] ==
          json{{"a", "down"}, {"b", "up"}, {"c", "other-config"}, {"d", "starting"}});
    CHECK(status::votesText(www1["votes"]) == " a:down b:up c:other-config d:starting");
    CHECK(member(doc, "web", "www2")["votes"]["a"] == "up");
    CHECK(status::votesText(json::object()) == "");
    CHECK(status::votesText(nullptr) == "");
}
