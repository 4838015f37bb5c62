// ProbeRun under load: checks in flight capped and the rest checked in turn, verdicts kept and
// marked stale while checks cannot run, and timeouts the prober's own stalls caused not counted.
#include <catch2/catch.hpp>
#include <thread>

#include "ProbeRunFixtures.hpp"
#include "TestServers.hpp"
#include "health/ProbeCounters.hpp"

using namespace pharos;
using namespace pharos::test;

namespace {

// A server per member, so each member's checks can be counted.
struct Servers {
    explicit Servers(size_t n) {
        for (size_t i = 0; i < n; ++i) {
            all.push_back(std::make_unique<TestServer>());
        }
    }
    std::vector<uint16_t> ports() const {
        std::vector<uint16_t> out;
        for (const auto& s : all) {
            out.push_back(s->port());
        }
        return out;
    }
    std::vector<std::unique_ptr<TestServer>> all;
};

}  // namespace

TEST_CASE("load: at most max_in_flight checks run, every member is checked in turn") {
    Servers servers(12);
    for (auto& s : servers.all) {
        s->behaviour = Behaviour::Hang;  // each check holds its slot for the whole timeout
    }
    Table table;
    boost::asio::io_context io;
    auto config = httpConfig(table.name, servers.ports());
    config.settings.max_in_flight = 3;
    health::ProbeCounters counters;
    health::ProbeRun run(io, config, &counters);
    run.start();
    // 12 members every 0.2 s need 60 checks/s; 3 slots of 0.1 s give 30.
    uint64_t most_in_flight = 0;
    runUntil(
        io,
        [&] {
            most_in_flight = std::max(most_in_flight, counters.load.in_flight);
            return false;
        },
        3.0);
    run.stop();
    CHECK(most_in_flight <= 3);
    CHECK(counters.load.max_in_flight == 3);
    CHECK(counters.checks_skipped > 0);
    CHECK(counters.load.behind);
    // Evenly: every member got its share of about 30 checks/s x 3 s / 12, none starved.
    int fewest = 1000, most = 0;
    for (auto& s : servers.all) {
        fewest = std::min(fewest, s->connections.load());
        most = std::max(most, s->connections.load());
    }
    INFO("checks per member: fewest " << fewest << ", most " << most);
    CHECK(fewest >= 4);
    CHECK(most - fewest <= 3);
}

TEST_CASE("load: members whose checks cannot run keep their verdict, marked stale") {
    TestServer fast;
    TestServer slow;
    slow.behaviour = Behaviour::Hang;
    Table table;
    boost::asio::io_context io;
    // One slot: while the slow pool's 2.5 s check holds it, the fast pool's checks wait.
    std::string lb =
        "pools:\n"
        "  fast:\n"
        "    monitor: http\n"
        "    lb_method: fogroup\n"
        "    monitor_params: {interval: 0.2s, timeout: 0.1s, retries: 0}\n"
        "    members:\n"
        "    - {ip: 127.0.0.1, name: f, weight: 1, monitor_port: PORT_FAST}\n"
        "  slow:\n"
        "    monitor: http\n"
        "    lb_method: fogroup\n"
        "    monitor_params: {interval: 10s, timeout: 2.5s}\n"
        "    members:\n"
        "    - {ip: 127.0.0.2, name: s, weight: 1, monitor_ip: 127.0.0.1, "
        "monitor_port: PORT_SLOW}\n"
        "globalnames:\n"
        "  www.example.com: {pool: fast, ttl: 1}\n";
    lb.replace(lb.find("PORT_FAST"), 9, std::to_string(fast.port()));
    lb.replace(lb.find("PORT_SLOW"), 9, std::to_string(slow.port()));
    auto config = loaded(lb, table.name);
    config.settings.max_in_flight = 1;
    uint32_t fast_slot = config.pools[size_t(config.poolIndex("fast"))].first_slot;
    // A member with no verdict yet is unknown, not stale: when the slow check happened to
    // start before the fast member's first one, there was nothing to keep. So a first run
    // gives the fast member its verdict, and the run under test carries it over, as a reload
    // does (the new run starts before the old one stops, so the table is never dropped).
    auto first = std::make_unique<health::ProbeRun>(io, config);
    first->start();
    runUntil(
        io, [&] { return slotOf(table, fast_slot).state == state::MemberState::Up; }, 4.0);
    REQUIRE(slotOf(table, fast_slot).state == state::MemberState::Up);
    health::ProbeCounters counters;
    health::ProbeRun run(io, config, &counters);
    run.start();
    first->stop();
    first.reset();
    bool was_stale = false, up_while_stale = true;
    runUntil(
        io,
        [&] {
            state::SlotView v = slotOf(table, fast_slot);
            if (v.stale) {
                was_stale = true;
                up_while_stale = up_while_stale && v.state == state::MemberState::Up;
            }
            return false;
        },
        4.5);
    CHECK(was_stale);
    CHECK(up_while_stale);  // the verdict is kept, not failed
    CHECK(counters.load.members_stale <= 1);
    // Once the slow check has ended, the fast member is checked again and no longer stale.
    runUntil(
        io, [&] { return !slotOf(table, fast_slot).stale; }, 3.0);
    CHECK_FALSE(slotOf(table, fast_slot).stale);
    CHECK(slotOf(table, fast_slot).state == state::MemberState::Up);
    CHECK(counters.checks_late > 0);
    run.stop();
}

// Keeps the loop saturated: `chains` handlers, each busy for `busy` and posting itself again,
// so every step of every check waits behind them all (a prober starved of CPU, or with far
// more work than its core can do).
struct LoopHog {
    LoopHog(boost::asio::io_context& io, int chains, std::chrono::microseconds busy)
        : io(io), busy(busy) {
        for (int i = 0; i < chains; ++i) {
            boost::asio::post(io, [this] { spin(); });
        }
    }
    void spin() {
        if (stopped) {
            return;
        }
        auto until = std::chrono::steady_clock::now() + busy;
        while (std::chrono::steady_clock::now() < until) {
        }
        boost::asio::post(io, [this] { spin(); });
    }
    boost::asio::io_context& io;
    std::chrono::microseconds busy;
    bool stopped = false;
};

TEST_CASE("load: timeouts measured while the loop was saturated are not counted") {
    TestServer server;
    Table table;
    boost::asio::io_context io;
    auto config = httpConfig(table.name, std::vector<uint16_t>(50, server.port()));
    config.pools[0].params.edit().retries = 0;  // one counted timeout would fail a member
    health::ProbeCounters counters;
    health::ProbeRun run(io, config, &counters);
    run.start();
    runUntil(
        io, [&] { return run.table().ready(); }, 3);
    REQUIRE(run.table().ready());
    {
        // 40 x 3 ms: each step of a check waits 120 ms, and a check has several against its
        // 100 ms timeout.
        LoopHog hog(io, 40, std::chrono::microseconds(3000));
        runUntil(
            io, [] { return false; }, 2.0);
        hog.stopped = true;
        runUntil(
            io, [] { return false; }, 0.5);
    }
    run.stop();
    INFO("failures not counted: " << counters.failures_discounted << ", timeouts counted: "
                                  << counters.failures[size_t(state::FailureReason::Timeout)]);
    CHECK(counters.failures_discounted > 0);  // or the hog proved nothing
    CHECK(counters.failures[size_t(state::FailureReason::Timeout)] == 0);
    for (uint32_t slot = 0; slot < 50; ++slot) {
        CHECK(slotOf(table, slot).state == state::MemberState::Up);
    }
    CHECK(counters.load.behind);
}
