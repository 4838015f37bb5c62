// The prober with a cluster's votes: a quorum of ready nodes decides a member, per pool's
// health_quorum, beside the prober's own verdicts.
#include <catch2/catch.hpp>

#include "ProbeRunFixtures.hpp"
#include "TestServers.hpp"
#include "state/FailureText.hpp"
#include "state/VoteBook.hpp"

using namespace pharos;
using namespace pharos::test;
using std::chrono::milliseconds;

namespace {

// Pools of two forced-up members each, `quorum` of each pool as given; slots follow the
// pools' sorted names.
std::string quorumLb(const std::vector<std::pair<std::string, std::string>>& pools) {
    std::string out = "pools:\n";
    for (const auto& [name, quorum] : pools) {
        out += "  " + name +
               ":\n    monitor: forced\n    monitor_params: {status: up}\n"
               "    health_quorum: " +
               quorum +
               "\n    lb_method: wrr\n    members:\n"
               "    - {ip: 10.0.0.1, name: a, weight: 1}\n"
               "    - {ip: 10.0.0.2, name: b, weight: 1}\n";
    }
    return out + "globalnames:\n  www.example.com: {pool: " + pools[0].first + ", ttl: 5}\n";
}

state::NodeVote voting(std::unordered_set<std::string> down, bool ready = true) {
    return state::NodeVote{"site", ready, std::move(down)};
}

}  // namespace

TEST_CASE("prober: a majority of ready nodes votes a member down, and back up") {
    Table table;
    boost::asio::io_context io;
    state::VoteBook book;
    const std::string a = "q\n10.0.0.1";
    REQUIRE(state::voteKey("q", "10.0.0.1") == a);
    book.set("self", voting({}));
    book.set("n2", voting({}));
    book.set("n3", voting({a}));
    health::ProbeRun run(io, loaded(quorumLb({{"q", "majority"}}), table.name));
    std::vector<std::pair<uint32_t, state::MemberState>> changes;
    run.onStateChange([&](const conf::Pool&, uint32_t member, state::MemberState,
                          state::SlotView& next) { changes.emplace_back(member, next.state); });
    run.useVotes(&book);
    run.start();
    // One of three sees it down: not a majority.
    CHECK(slotOf(table, 0).state == state::MemberState::Up);
    CHECK(slotOf(table, 0).reason == state::FailureReason::None);

    book.set("n2", voting({a}));
    run.refreshQuorum();
    auto v = slotOf(table, 0);
    CHECK(v.state == state::MemberState::Down);
    CHECK(v.reason == state::FailureReason::QuorumDown);
    CHECK(v.detail == 2);
    CHECK(table.verdict(0) == lb::Health::Down);
    CHECK(table.verdict(1) == lb::Health::Up);
    const auto& cfg = run.config();
    CHECK(state::failureText(cfg, cfg.pools[0], cfg.pools[0].members[0], v.reason, v.detail) ==
          "down by the cluster's votes: 2 vantage points see it down (health_quorum: majority)");
    CHECK(run.ownDown().empty());  // its own checks still pass: it votes up
    REQUIRE(changes.size() == 3);  // a and b up at start, then a down
    CHECK(changes.back() == std::pair(0u, state::MemberState::Down));

    // A node still starting does not count, whatever it lists.
    book.remove("n2");
    book.set("n4", voting({a}, false));
    run.refreshQuorum();
    v = slotOf(table, 0);
    CHECK(v.state == state::MemberState::Up);
    CHECK(v.reason == state::FailureReason::None);
    CHECK(v.detail == 0);
    CHECK(changes.back() == std::pair(0u, state::MemberState::Up));

    // No voters at all (etcd out of reach): its own checks decide.
    book.set("n4", voting({a}));
    run.refreshQuorum();
    REQUIRE(table.verdict(0) == lb::Health::Down);
    book.keepOnly("nobody");
    run.refreshQuorum();
    CHECK(table.verdict(0) == lb::Health::Up);
    run.stop();
}

TEST_CASE("prober: votes decide only pools whose health_quorum is not local") {
    Table table;
    boost::asio::io_context io;
    state::VoteBook book;
    std::unordered_set<std::string> all_down;
    for (const char* pool : {"any", "loc"}) {
        all_down.insert(state::voteKey(pool, "10.0.0.1"));
    }
    book.set("self", voting({}));
    book.set("n2", voting({}));
    book.set("n3", voting(all_down));
    health::ProbeRun run(io, loaded(quorumLb({{"any", "any"}, {"loc", "local"}}), table.name));
    run.useVotes(&book);
    run.start();
    // Slots: any/a 0, any/b 1, loc/a 2, loc/b 3. One vote is enough for `any`.
    auto v = slotOf(table, 0);
    CHECK(v.state == state::MemberState::Down);
    CHECK(v.reason == state::FailureReason::QuorumDown);
    CHECK(v.detail == 1);
    CHECK(table.verdict(1) == lb::Health::Up);
    CHECK(table.verdict(2) == lb::Health::Up);
    CHECK(slotOf(table, 2).reason == state::FailureReason::None);

    book.set("self", voting(all_down));
    book.set("n2", voting(all_down));
    run.refreshQuorum();
    CHECK(table.verdict(2) == lb::Health::Up);  // every node votes down: local ignores them
    CHECK(table.verdict(0) == lb::Health::Down);

    // Standalone (no votes): the quorum pool's own checks decide again.
    run.useVotes(nullptr);
    run.refreshQuorum();
    CHECK(table.verdict(0) == lb::Health::Up);
    CHECK(slotOf(table, 0).reason == state::FailureReason::None);
    run.stop();
}

TEST_CASE("prober: its own verdicts, as it votes them, apart from the cluster's") {
    test::TestServer web;
    Table table;
    boost::asio::io_context io;
    std::string w = std::to_string(web.port());
    auto config = loaded(
        "pools:\n"
        "  web:\n"
        "    monitor: http\n"
        "    monitor_params: {interval: 0.2, timeout: 0.1, retries: 0}\n"
        "    health_quorum: majority\n"
        "    lb_method: wrr\n"
        "    members:\n"
        "    - {ip: 10.0.0.1, name: a, weight: 1, monitor_ip: 127.0.0.1, monitor_port: " +
            w +
            "}\n"
            "    - {ip: 10.0.0.2, name: b, weight: 1, monitor_ip: 127.0.0.1, monitor_port: " +
            std::to_string(test::closedPort()) +
            "}\n"
            "globalnames:\n"
            "  www.example.com: {pool: web, ttl: 5}\n",
        table.name);
    state::VoteBook book;
    health::ProbeRun run(io, config);
    std::vector<std::string> own;
    // As the cluster link does: this node's vote is in the book before the verdict is written.
    run.onOwnVerdict([&](const conf::Pool& pool, const conf::Member& m, state::MemberState s) {
        own.push_back(pool.name + "/" + m.name + " " + state::toString(s));
        book.set("self", voting(run.ownDown()));
    });
    run.useVotes(&book);
    run.start();
    runUntil(
        io, [&] { return run.table().ready() && run.checksDone() >= 6; }, 3);
    // Once per change, not per check.
    std::sort(own.begin(), own.end());
    CHECK(own == std::vector<std::string>{"web/a up", "web/b down"});
    CHECK(run.ownDown() == std::unordered_set<std::string>{"web\n10.0.0.2"});
    CHECK(table.verdict(1) == lb::Health::Down);  // its own vote is the only one
    CHECK(slotOf(table, 1).reason == state::FailureReason::ConnectRefused);

    // The two other vantage points reach b: this node is outvoted, and still votes b down.
    book.set("n2", voting({}));
    book.set("n3", voting({}));
    own.clear();
    run.refreshQuorum();
    CHECK(table.verdict(1) == lb::Health::Up);
    // Up by the votes, it keeps this node's own failure for the operator to see.
    CHECK(slotOf(table, 1).reason == state::FailureReason::ConnectRefused);
    CHECK(run.ownDown() == std::unordered_set<std::string>{"web\n10.0.0.2"});
    CHECK(own.empty());  // the votes are not its own verdict

    web.respond(test::httpResponse(503));
    runUntil(
        io, [&] { return run.ownDown().size() == 2; }, 3);
    CHECK(run.ownDown().count("web\n10.0.0.1") == 1);
    CHECK(own == std::vector<std::string>{"web/a down"});
    CHECK(table.verdict(0) == lb::Health::Up);  // one of three sees a down

    // A second vote: down, and as this node's own checks agree, for their reason.
    book.set("n2", voting({"web\n10.0.0.1"}));
    run.refreshQuorum();
    CHECK(table.verdict(0) == lb::Health::Down);
    CHECK(slotOf(table, 0).reason == state::FailureReason::BadStatus);
    CHECK(table.verdict(1) == lb::Health::Up);
    run.stop();
}

// refreshDependent (health/ProbeRun.cpp) writes the slot only when the state or the reason
// changes, so a member already down by the votes keeps the count it was first downed with.
TEST_CASE("prober: a member down by the votes shows how many see it down now", "[cluster]") {
    Table table;
    boost::asio::io_context io;
    state::VoteBook book;
    const std::string a = state::voteKey("q", "10.0.0.1");
    book.set("self", voting({}));
    book.set("n2", voting({a}));
    book.set("n3", voting({a}));
    health::ProbeRun run(io, loaded(quorumLb({{"q", "any"}}), table.name));
    run.useVotes(&book);
    run.start();
    REQUIRE(slotOf(table, 0).detail == 2);
    book.set("n4", voting({a}));
    run.refreshQuorum();
    CHECK(slotOf(table, 0).detail == 3);
    run.stop();
}
