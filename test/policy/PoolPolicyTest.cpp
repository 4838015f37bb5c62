// The DR policies as timelines: each test feeds decideHolds() the members' verdicts over time,
// publishing its holds back as pharos-health does, and checks what the backend would answer.
#include <catch2/catch.hpp>

#include "policy/PoolPolicy.hpp"

using namespace pharos;
using state::AdminOverride;
using state::MemberState;
using state::PolicyHold;

namespace {

// One fogroup pool of `n` members at 10.0.0.1.., and the table pharos-health would publish.
struct Timeline {
    conf::Pool pool;
    std::vector<policy::MemberView> members;
    admin::PolicyRecords records;
    std::vector<policy::PolicyEvent> events;

    explicit Timeline(size_t n, std::vector<int> priorities = {}) {
        pool.name = "db";
        pool.lb_method = conf::LbMethod::FoGroup;
        for (size_t i = 0; i < n; ++i) {
            conf::Member m;
            m.ip = *base::IpAddress::parse("10.0.0." + std::to_string(i + 1));
            m.name = "db" + std::to_string(i + 1);
            m.weight = 1;
            m.priority = priorities.empty() ? 0 : priorities[i];
            pool.uses_priority = pool.uses_priority || m.priority != 0;
            pool.members.push_back(m);
            members.push_back({MemberState::Up, 0, AdminOverride::None, false, PolicyHold::None,
                               MemberState::Up});
        }
    }
    // A probe verdict change at `now`, then a decision, as ProbeRun's hook runs one.
    void probe(size_t i, MemberState s, int64_t now) {
        members[i].state = s;
        members[i].down_since_ms = now;
        decide(now);
    }
    void decide(int64_t now, bool restore = false) {
        std::vector<PolicyHold> holds(members.size());
        auto more = policy::decideHolds(pool, members, records, now, holds, restore);
        events.insert(events.end(), more.begin(), more.end());
        for (size_t i = 0; i < members.size(); ++i) {
            members[i].hold = holds[i];
            members[i].published = members[i].state;
        }
    }
    // What the backend answers: fogroup's first usable member (lowest priority tier), with the
    // holds applied as HealthTableReader::verdict applies them.
    std::string answer() const {
        int best = INT32_MAX;
        std::string out = "none";
        for (size_t i = 0; i < members.size(); ++i) {
            int rank = pool.uses_priority ? pool.members[i].priority : int(i);
            if (usable(members[i]) && rank < best) {
                best = rank;
                out = pool.members[i].name;
            }
        }
        return out;
    }
    static bool usable(const policy::MemberView& m) {
        return state::answerable(m.state, m.admin, m.hold);
    }
    bool saw(const std::string& what) const {
        for (const auto& e : events) {
            if (e.what == what) {
                return true;
            }
        }
        return false;
    }
};

}  // namespace

TEST_CASE("failover_after: a blip shorter than the delay never moves the answers") {
    Timeline t(2);
    t.pool.failover_after = conf::Seconds(30);
    t.probe(0, MemberState::Down, 1000);
    CHECK(t.members[0].hold == PolicyHold::FailoverAfter);
    CHECK(t.answer() == "db1");
    t.decide(30999);
    CHECK(t.answer() == "db1");
    t.probe(0, MemberState::Up, 20000);  // back before the deadline: it resets
    CHECK(t.members[0].hold == PolicyHold::None);
    t.probe(0, MemberState::Down, 40000);
    t.decide(69999);
    CHECK(t.answer() == "db1");
    t.decide(70000);  // down for the whole 30 s
    CHECK(t.members[0].hold == PolicyHold::None);
    CHECK(t.answer() == "db2");
    CHECK(policy::failoverDeadline(t.pool, 40000) == 70000);
}

TEST_CASE("failback manual: answers stay on the member that took over until failback") {
    Timeline t(3);
    t.pool.failback = conf::FailbackMode::Manual;
    t.decide(0);
    CHECK(t.records.holders.empty());
    t.probe(0, MemberState::Down, 1000);
    CHECK(t.answer() == "db2");
    REQUIRE(t.records.holder("db"));
    CHECK(t.records.holder("db")->member == "db2");
    CHECK_FALSE(t.records.holder("db")->directed);
    t.probe(0, MemberState::Up, 5000);
    CHECK(t.members[0].hold == PolicyHold::HeldOff);
    CHECK(t.answer() == "db2");
    t.decide(99000);
    CHECK(t.answer() == "db2");
    t.records.clearHolder("db");  // pharosctl failback db
    t.decide(100000);
    CHECK(t.members[0].hold == PolicyHold::None);
    CHECK(t.answer() == "db1");
    CHECK(t.records.holders.empty());
}

TEST_CASE("failback manual: when the holder fails too, the normal rules pick again") {
    Timeline t(3);
    t.pool.failback = conf::FailbackMode::Manual;
    t.probe(0, MemberState::Down, 1000);
    t.probe(0, MemberState::Up, 2000);
    REQUIRE(t.answer() == "db2");
    t.probe(1, MemberState::Down, 3000);  // db1 is up again: it is the normal rules' pick
    CHECK(t.answer() == "db1");
    CHECK(t.records.holders.empty());
    CHECK(t.saw("holder-cleared"));

    Timeline u(3);
    u.pool.failback = conf::FailbackMode::Manual;
    u.probe(0, MemberState::Down, 1000);
    u.probe(1, MemberState::Down, 2000);  // db1 still down: db3 takes over and holds
    CHECK(u.answer() == "db3");
    REQUIRE(u.records.holder("db"));
    CHECK(u.records.holder("db")->member == "db3");
    u.probe(1, MemberState::Up, 3000);
    CHECK(u.answer() == "db3");
}

TEST_CASE("failback manual with priorities holds the tier, not only one member") {
    Timeline t(4, {1, 1, 2, 2});
    t.pool.failback = conf::FailbackMode::Manual;
    t.probe(0, MemberState::Down, 1000);
    CHECK(t.records.holders.empty());  // db2 still serves tier 1
    t.probe(1, MemberState::Down, 2000);
    REQUIRE(t.records.holder("db"));
    t.probe(0, MemberState::Up, 3000);
    CHECK(t.members[0].hold == PolicyHold::HeldOff);
    t.probe(2, MemberState::Down, 4000);  // db4 keeps tier 2 alive
    CHECK(t.answer() == "db4");
    CHECK(t.members[0].hold == PolicyHold::HeldOff);
}

TEST_CASE("failover manual: the preferred member going down waits for approval") {
    Timeline t(2);
    t.pool.failover = conf::FailoverMode::Manual;
    t.probe(0, MemberState::Down, 1000);
    CHECK(t.members[0].hold == PolicyHold::AwaitingApproval);
    CHECK(t.answer() == "db1");
    REQUIRE(t.records.approval("db", "10.0.0.1"));
    CHECK(t.saw("approval-pending"));
    t.decide(600000);
    CHECK(t.answer() == "db1");
    CHECK(t.records.approve("db", "alice").size() == 1);  // pharosctl failover db
    t.decide(600001);
    CHECK(t.answer() == "db2");
    t.decide(600002);  // the approved one is not taken for a new failover
    CHECK(t.answer() == "db2");
    CHECK(t.records.approve("db", "alice").empty());
    t.probe(0, MemberState::Up, 700000);  // failback: auto
    CHECK(t.answer() == "db1");
    CHECK(t.records.approvals.empty());
}

TEST_CASE("failover manual: recovering before approval clears the alarm; others fail alone") {
    Timeline t(3);
    t.pool.failover = conf::FailoverMode::Manual;
    t.probe(1, MemberState::Down, 500);  // not answered: no approval needed
    CHECK(t.records.approvals.empty());
    CHECK(t.members[1].hold == PolicyHold::None);
    t.probe(0, MemberState::Down, 1000);
    REQUIRE(t.records.approval("db", "10.0.0.1"));
    t.probe(0, MemberState::Up, 2000);
    CHECK(t.records.approvals.empty());
    CHECK(t.saw("approval-cleared"));
    CHECK(t.answer() == "db1");
}

TEST_CASE("failover_after then approval: the approval is asked once the delay has passed") {
    Timeline t(2);
    t.pool.failover = conf::FailoverMode::Manual;
    t.pool.failover_after = conf::Seconds(10);
    t.probe(0, MemberState::Down, 0);
    CHECK(t.members[0].hold == PolicyHold::FailoverAfter);
    CHECK(t.records.approvals.empty());
    t.decide(10000);
    CHECK(t.members[0].hold == PolicyHold::AwaitingApproval);
    CHECK(t.answer() == "db1");
}

TEST_CASE("a directed holder stays while usable, also with failback auto") {
    Timeline t(2);
    t.records.setHolder({"db", "db2", "10.0.0.2", true, 0, "alice", "planned"});
    t.decide(1000);
    CHECK(t.members[0].hold == PolicyHold::HeldOff);
    CHECK(t.answer() == "db2");
    t.probe(1, MemberState::Down, 2000);
    CHECK(t.answer() == "db1");
    CHECK(t.records.holders.empty());
    // A holder set by failback: manual ends when the mode becomes auto.
    t.records.setHolder({"db", "db2", "10.0.0.2", false, 0, "", ""});
    t.probe(1, MemberState::Up, 3000);
    CHECK(t.answer() == "db1");
    CHECK(t.records.holders.empty());
}

TEST_CASE("maintenance drains on schedule; an operator's override outranks it") {
    Timeline t(2);
    t.members[0].in_maintenance = true;
    t.decide(0);
    CHECK(t.members[0].hold == PolicyHold::Maintenance);
    CHECK(t.answer() == "db2");
    t.members[0].admin = AdminOverride::ForcedUp;
    t.decide(1);
    CHECK(t.members[0].hold == PolicyHold::None);
    CHECK(t.answer() == "db1");
    t.members[0].admin = AdminOverride::None;
    t.members[0].in_maintenance = false;
    t.decide(2);
    CHECK(t.answer() == "db1");
}

TEST_CASE("no holder is set while a member has no first verdict") {
    Timeline t(2);
    t.pool.failback = conf::FailbackMode::Manual;
    t.members[0].state = t.members[0].published = MemberState::Unknown;  // a fresh table
    t.decide(0);
    CHECK(t.records.holders.empty());
    t.probe(0, MemberState::Up, 1);
    CHECK(t.records.holders.empty());
    CHECK(t.answer() == "db1");
}

TEST_CASE("a holder whose member left the pool is dropped") {
    Timeline t(2);
    t.pool.failback = conf::FailbackMode::Manual;
    t.records.setHolder({"db", "db9", "10.0.0.9", false, 0, "", ""});
    t.decide(0);
    CHECK(t.records.holders.empty());
    CHECK(t.answer() == "db1");
}

TEST_CASE("failover_after keeps only a member that was being answered") {
    Timeline t(2);
    t.pool.failover_after = conf::Seconds(30);
    t.members[1].state = t.members[1].published = MemberState::Unknown;  // a reload added it
    t.probe(1, MemberState::Down, 1000);
    CHECK(t.members[1].hold == PolicyHold::None);
    // Down and out already when a reload raises failover_after: it stays out.
    Timeline u(2);
    u.probe(0, MemberState::Down, 1000);
    REQUIRE(u.answer() == "db2");
    u.pool.failover_after = conf::Seconds(30);
    u.decide(2000);
    CHECK(u.members[0].hold == PolicyHold::None);
    CHECK(u.answer() == "db2");
}

TEST_CASE("an approved failover is not asked again at the failover_after deadline") {
    Timeline t(2);
    t.pool.failover = conf::FailoverMode::Manual;
    t.pool.failover_after = conf::Seconds(10);
    t.probe(0, MemberState::Down, 0);
    t.decide(10000);
    REQUIRE(t.members[0].hold == PolicyHold::AwaitingApproval);
    t.records.approve("db", "alice");
    for (int64_t now : {10001, 20000, 30000}) {
        t.decide(now);
        CHECK(t.answer() == "db2");
    }
    CHECK(t.records.approval("db", "10.0.0.1")->approved);
}

TEST_CASE("a pending approval ends when a member as preferred serves again") {
    Timeline tier(3, {1, 1, 2});
    tier.pool.failover = conf::FailoverMode::Manual;
    tier.probe(0, MemberState::Down, 1000);  // db2 still serves tier 1
    CHECK(tier.records.approvals.empty());
    tier.probe(1, MemberState::Down, 2000);
    REQUIRE(tier.members[1].hold == PolicyHold::AwaitingApproval);
    tier.probe(0, MemberState::Up, 3000);  // the dead db2 must not be drawn beside db1
    CHECK(tier.members[1].hold == PolicyHold::None);
    CHECK(tier.records.approvals.empty());

    Timeline plain(3);
    plain.pool.failover = conf::FailoverMode::Manual;
    plain.probe(0, MemberState::Down, 1000);
    plain.records.approve("db", "alice");
    plain.decide(1001);
    REQUIRE(plain.answer() == "db2");
    plain.probe(1, MemberState::Down, 2000);
    REQUIRE(plain.members[1].hold == PolicyHold::AwaitingApproval);
    plain.probe(0, MemberState::Up, 3000);
    CHECK(plain.answer() == "db1");
    CHECK(plain.records.approvals.empty());
}

TEST_CASE("with failback and failover manual, the holder failing is a failback, not asked") {
    Timeline t(2);
    t.pool.failback = conf::FailbackMode::Manual;
    t.pool.failover = conf::FailoverMode::Manual;
    t.probe(0, MemberState::Down, 1000);
    t.records.approve("db", "alice");
    t.decide(1001);
    REQUIRE(t.answer() == "db2");
    t.probe(0, MemberState::Up, 2000);
    REQUIRE(t.members[0].hold == PolicyHold::HeldOff);
    t.probe(1, MemberState::Down, 3000);
    CHECK(t.members[1].hold == PolicyHold::None);
    CHECK(t.answer() == "db1");
}

TEST_CASE("a member forced up is not held off: the operator outranks the policy") {
    Timeline t(2);
    t.records.setHolder({"db", "db2", "10.0.0.2", true, 0, "alice", ""});
    t.members[0].admin = AdminOverride::ForcedUp;
    t.decide(0);
    CHECK(t.members[0].hold == PolicyHold::None);
    CHECK(t.answer() == "db1");
    REQUIRE(t.records.holder("db"));  // the record waits for the override to end
}

TEST_CASE("a member without a verdict does not stop the other members' policies") {
    Timeline t(3);
    t.pool.failover_after = conf::Seconds(10);
    t.members[2].state = t.members[2].published = MemberState::Unknown;
    t.probe(0, MemberState::Down, 0);
    CHECK(t.members[0].hold == PolicyHold::FailoverAfter);
    t.decide(10000);
    CHECK(t.answer() == "db2");
}

TEST_CASE("a holder the records lost is restored from the holds the table kept") {
    Timeline t(3);
    t.pool.failback = conf::FailbackMode::Manual;
    t.probe(0, MemberState::Down, 1000);
    t.probe(0, MemberState::Up, 2000);
    REQUIRE(t.answer() == "db2");
    t.records = {};  // the admin-state file could not be read at a restart
    t.decide(3000, true);
    CHECK(t.answer() == "db2");
    REQUIRE(t.records.holder("db"));
    CHECK(t.records.holder("db")->member == "db2");
}

TEST_CASE("a pending approval is not turned back into a failover_after hold") {
    Timeline t(2);
    t.pool.failover = conf::FailoverMode::Manual;
    t.probe(0, MemberState::Down, 0);
    REQUIRE(t.members[0].hold == PolicyHold::AwaitingApproval);
    t.pool.failover_after = conf::Seconds(60);  // a reload adds the delay
    t.decide(1000);
    CHECK(t.members[0].hold == PolicyHold::AwaitingApproval);
    CHECK(t.records.approval("db", "10.0.0.1")->since_ms == 0);
}

TEST_CASE("a holder of a pool that is no longer fogroup is dropped") {
    Timeline t(2);
    t.records.setHolder({"db", "db2", "10.0.0.2", true, 0, "alice", ""});
    t.pool.lb_method = conf::LbMethod::Wrr;
    t.decide(0);
    CHECK(t.records.holders.empty());
}
