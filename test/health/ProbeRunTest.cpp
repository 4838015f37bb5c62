#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "ProbeRunFixtures.hpp"
#include "TestServers.hpp"
#include "conf/ConfigLoader.hpp"
#include "health/ProbeRun.hpp"
#include "state/FailureText.hpp"
#include "state/HealthTableReader.hpp"
#include "state/SharedMemory.hpp"

using namespace pharos;
using namespace pharos::test;
using std::chrono::milliseconds;

TEST_CASE("prober: ready after first probes, failover and failback within the bound") {
    test::TestServer server;
    Table table;
    boost::asio::io_context io;
    auto config = httpConfig(table.name, {server.port()});
    health::ProbeRun run(io, config);
    run.start();
    double ready = runUntil(
        io, [&] { return run.table().ready(); }, 3);
    CHECK(ready < 0.2 + 0.1 + 0.2);  // first probe within min(interval, 2 s)
    CHECK(table.verdict(0) == lb::Health::Up);

    server.respond(test::httpResponse(503));
    // Down after retries+1 = 2 failures: at most interval x 2 + timeout, plus jitter.
    double down = runUntil(
        io, [&] { return table.verdict(0) == lb::Health::Down; }, 3);
    CHECK(down < 0.2 * 1.05 * 2 + 0.1 + 0.1);
    state::SlotView v;
    REQUIRE(table.reader.readSlot(0, v));
    CHECK(v.reason == state::FailureReason::BadStatus);
    CHECK(v.consecutive_fail >= 2);

    server.respond(test::httpResponse(200));
    double up = runUntil(
        io, [&] { return table.verdict(0) == lb::Health::Up; }, 3);
    CHECK(up < 0.2 * 1.05 + 0.1 + 0.1);
    run.stop();
}

TEST_CASE("prober: checks follow the interval with bounded jitter, never piling up") {
    test::TestServer server;
    Table table;
    boost::asio::io_context io;
    health::ProbeRun run(io, httpConfig(table.name, {server.port()}));
    run.start();
    runUntil(
        io, [] { return false; }, 2.0);
    // 2 s at 0.2 s +-5 %: about 10 checks (the first lands within the first interval).
    CHECK(run.checksDone() >= 8);
    CHECK(run.checksDone() <= 12);
    server.behaviour = test::Behaviour::Hang;  // checks now take the whole timeout
    uint64_t before = run.checksDone();
    runUntil(
        io, [] { return false; }, 1.0);
    CHECK(run.checksDone() - before <= 6);
    run.stop();
}

TEST_CASE("prober reload: existing members keep their verdict, new ones start unknown") {
    test::TestServer a, b;
    b.respond(test::httpResponse(500));
    Table table;
    boost::asio::io_context io;
    auto first = std::make_unique<health::ProbeRun>(io, httpConfig(table.name, {a.port()}));
    first->start();
    runUntil(
        io, [&] { return first->table().ready(); }, 3);
    REQUIRE(table.verdict(0) == lb::Health::Up);

    auto second =
        std::make_unique<health::ProbeRun>(io, httpConfig(table.name, {a.port(), b.port()}));
    second->start();
    first->stop();
    CHECK(table.verdict(0) == lb::Health::Up);  // carried over, before any new probe
    CHECK(table.verdict(1) == lb::Health::Unknown);
    CHECK(second->table().ready());  // the pool has a known member: no fail-open meanwhile
    runUntil(
        io, [&] { return table.verdict(1) == lb::Health::Down; }, 3);
    CHECK(table.verdict(1) == lb::Health::Down);
    second->stop();
}

TEST_CASE("a reload that cannot build its monitors leaves the running table alone") {
    test::TestServer a;
    Table table;
    boost::asio::io_context io;
    health::ProbeRun running(io, httpConfig(table.name, {a.port()}));
    running.start();
    runUntil(
        io, [&] { return running.table().ready(); }, 3);
    auto bad = httpConfig(table.name, {a.port()});
    bad.pools[0].params.edit().http.use_ssl = true;
    bad.pools[0].params.edit().http.verify_tls = true;
    bad.pools[0].params.edit().http.ca_file = "/nonexistent/ca.pem";
    CHECK_THROWS(health::ProbeRun(io, bad));
    CHECK(running.table().header().retired.load() == 0);
    CHECK(table.verdict(0) == lb::Health::Up);
    running.stop();
}

TEST_CASE("every member is probed with its own pool's monitor") {
    // Each pool's monitor would fail the other pools' members: the tcp member never answers
    // HTTP, the forced-up member listens nowhere, and the http pool sorts last.
    test::TestServer silent, web;
    silent.behaviour = test::Behaviour::Hang;
    Table table;
    auto pool = [](std::string name, conf::MonitorKind kind, uint16_t port) {
        conf::Pool p;
        p.name = std::move(name);
        p.monitor = kind;
        p.params.edit().interval = conf::Seconds(0.2);
        p.params.edit().timeout = conf::Seconds(0.1);
        p.params.edit().retries = 0;
        p.params.edit().port = port;
        conf::Member m;
        m.ip = m.monitor_ip = *base::IpAddress::parse("127.0.0.1");
        m.name = p.name + "-member";
        m.weight = 1;
        p.members.push_back(m);
        return p;
    };
    conf::Config c;
    c.settings.health_table = table.name;
    c.settings.table_group = "";
    c.pools.push_back(pool("aaa-tcp", conf::MonitorKind::Tcp, silent.port()));
    c.pools.push_back(pool("mmm-forced-up", conf::MonitorKind::Forced, 1));
    c.pools.back().params.edit().forced_up = true;
    c.pools.push_back(pool("nnn-forced-down", conf::MonitorKind::Forced, 1));
    c.pools.push_back(pool("zzz-http", conf::MonitorKind::Http, web.port()));
    conf::finalizeLayout(c);
    boost::asio::io_context io;
    health::ProbeRun run(io, c);
    run.start();
    runUntil(
        io, [&] { return run.table().ready() && run.checksDone() >= 4; }, 3);
    CHECK(table.verdict(0) == lb::Health::Up);    // tcp: a connect is enough
    CHECK(table.verdict(1) == lb::Health::Up);    // forced up, nothing listening
    CHECK(table.verdict(2) == lb::Health::Down);  // forced down
    CHECK(table.verdict(3) == lb::Health::Up);    // http 200
    state::SlotView v;
    REQUIRE(table.reader.readSlot(2, v));
    CHECK(v.reason == state::FailureReason::ForcedDown);
    CHECK(web.lastRequest().rfind("GET / HTTP/1.1", 0) == 0);
    run.stop();
}

// --- depends_on and cname members (issue 16) ---

namespace {

// app/a (http) depends on db/up and db/b; app/c (http) depends on app/a; db is tcp, db/b on
// `db_port`, db/up on the web server. Slots: app/a 0, app/c 1, db/b 2, db/up 3.
std::string dependencyLb(uint16_t web, uint16_t db_port) {
    std::string w = std::to_string(web);
    return "pools:\n"
           "  app:\n"
           "    monitor: http\n"
           "    monitor_params: {interval: 0.2, timeout: 0.1, retries: 0}\n"
           "    lb_method: wrr\n"
           "    members:\n"
           "    - {ip: 10.0.0.1, name: a, weight: 1, monitor_ip: 127.0.0.1, monitor_port: " +
           w +
           ", depends_on: [db/up, db/b]}\n"
           "    - {ip: 10.0.0.3, name: c, weight: 1, monitor_ip: 127.0.0.1, monitor_port: " +
           w +
           ", depends_on: [app/a]}\n"
           "  db:\n"
           "    monitor: tcp\n"
           "    monitor_params: {interval: 0.2, timeout: 0.1, retries: 0, port: " +
           std::to_string(db_port) +
           "}\n"
           "    lb_method: wrr\n"
           "    members:\n"
           "    - {ip: 10.0.0.2, name: b, weight: 1, monitor_ip: 127.0.0.1}\n"
           "    - {ip: 10.0.0.4, name: up, weight: 1, monitor_ip: 127.0.0.1, monitor_port: " +
           w +
           "}\n"
           "globalnames:\n"
           "  www.example.com: {pool: app, ttl: 5}\n";
}

}  // namespace

TEST_CASE("prober: a member is down while a member it depends on is, through chains") {
    test::TestServer web;
    Table table;
    uint16_t db_port = test::closedPort();
    boost::asio::io_context io;
    auto config = loaded(dependencyLb(web.port(), db_port), table.name);
    REQUIRE(config.pools[0].name == "app");
    health::ProbeRun run(io, config);
    run.start();
    auto all_down = [&] {
        return table.verdict(0) == lb::Health::Down && table.verdict(1) == lb::Health::Down &&
               table.verdict(2) == lb::Health::Down && table.verdict(3) == lb::Health::Up;
    };
    runUntil(io, all_down, 3);
    REQUIRE(all_down());
    // a's own checks pass (its server answers 200): it is down through db/b, its second
    // dependency; c's own checks pass too, and it is down through a, its first.
    runUntil(
        io, [&] { return slotOf(table, 0).consecutive_ok >= 2; }, 3);
    auto a = slotOf(table, 0);
    CHECK(a.state == state::MemberState::Down);
    CHECK(a.reason == state::FailureReason::DependencyDown);
    CHECK(a.detail == 1);
    CHECK(a.consecutive_ok >= 2);
    auto c = slotOf(table, 1);
    CHECK(c.state == state::MemberState::Down);
    CHECK(c.reason == state::FailureReason::DependencyDown);
    CHECK(c.detail == 0);
    auto b = slotOf(table, 2);
    CHECK(b.reason == state::FailureReason::ConnectRefused);
    CHECK(b.detail == 0);
    const auto& cfg = run.config();
    CHECK(state::failureText(cfg, cfg.pools[0], cfg.pools[0].members[0], a.reason, a.detail) ==
          "down because of dependency db/b");
    CHECK(state::failureText(cfg, cfg.pools[0], cfg.pools[0].members[1], c.reason, c.detail) ==
          "down because of dependency app/a");

    // db/b comes up: a and then c follow without waiting for checks of their own.
    {
        boost::asio::ip::tcp::acceptor listener(
            io, {boost::asio::ip::make_address("127.0.0.1"), db_port});
        auto all_up = [&] {
            return table.verdict(0) == lb::Health::Up && table.verdict(1) == lb::Health::Up &&
                   table.verdict(2) == lb::Health::Up;
        };
        runUntil(io, all_up, 3);
        REQUIRE(all_up());
        for (uint32_t slot : {0u, 1u, 2u}) {
            auto v = slotOf(table, slot);
            INFO("slot " << slot);
            CHECK(v.reason == state::FailureReason::None);
            CHECK(v.detail == 0);
        }
    }
    // And down again when it goes.
    runUntil(io, all_down, 3);
    CHECK(all_down());
    CHECK(slotOf(table, 1).reason == state::FailureReason::DependencyDown);
    run.stop();
}

TEST_CASE("prober: a dependency forced down, then forced up by a reload") {
    test::TestServer web;
    Table table;
    auto lb = [&](const std::string& status) {
        return "pools:\n"
               "  app:\n"
               "    monitor: http\n"
               "    monitor_params: {interval: 0.2, timeout: 0.1, retries: 0}\n"
               "    lb_method: wrr\n"
               "    members:\n"
               "    - {ip: 10.0.0.1, name: a, weight: 1, monitor_ip: 127.0.0.1, monitor_port: " +
               std::to_string(web.port()) +
               ", depends_on: [off/x]}\n"
               "  off:\n"
               "    monitor: forced\n"
               "    monitor_params: {status: " +
               status +
               "}\n"
               "    lb_method: wrr\n"
               "    members:\n"
               "    - {ip: 10.0.0.2, name: x, weight: 1}\n"
               "globalnames:\n"
               "  www.example.com: {pool: app, ttl: 5}\n";
    };
    boost::asio::io_context io;
    auto first = std::make_unique<health::ProbeRun>(io, loaded(lb("down"), table.name));
    first->start();
    runUntil(
        io, [&] { return first->table().ready() && first->checksDone() >= 2; }, 3);
    auto a = slotOf(table, 0);
    CHECK(a.state == state::MemberState::Down);
    CHECK(a.reason == state::FailureReason::DependencyDown);
    CHECK(a.detail == 0);
    CHECK(slotOf(table, 1).reason == state::FailureReason::ForcedDown);

    // The reload keeps a's verdict, knows its own checks were passing, and lifts it as soon
    // as x is forced up.
    auto second = std::make_unique<health::ProbeRun>(io, loaded(lb("up"), table.name));
    second->start();
    first->stop();
    runUntil(
        io, [&] { return table.verdict(0) == lb::Health::Up; }, 1);
    CHECK(table.verdict(0) == lb::Health::Up);
    CHECK(table.verdict(1) == lb::Health::Up);
    CHECK(slotOf(table, 0).reason == state::FailureReason::None);

    // And back: forced down again puts a down at once.
    auto third = std::make_unique<health::ProbeRun>(io, loaded(lb("down"), table.name));
    third->start();
    second->stop();
    runUntil(
        io, [&] { return table.verdict(0) == lb::Health::Down; }, 1);
    CHECK(table.verdict(0) == lb::Health::Down);
    CHECK(slotOf(table, 0).reason == state::FailureReason::DependencyDown);
    third->stop();
}

TEST_CASE("prober: a member's own failure is reported before a dependency's") {
    test::TestServer web;
    web.respond(test::httpResponse(503));
    Table table;
    boost::asio::io_context io;
    auto config = loaded(dependencyLb(web.port(), test::closedPort()), table.name);
    health::ProbeRun run(io, config);
    run.start();
    runUntil(
        io, [&] { return run.table().ready() && run.checksDone() >= 8; }, 3);
    // a fails its own check (and db/up, on the same server, is up: a connect is enough).
    auto a = slotOf(table, 0);
    CHECK(a.state == state::MemberState::Down);
    CHECK(a.reason == state::FailureReason::BadStatus);
    auto c = slotOf(table, 1);
    CHECK(c.reason == state::FailureReason::BadStatus);
    run.stop();
}

TEST_CASE("prober: cname members are probed at what their name resolves to, or at monitor_ip") {
    test::TestServer by_name, by_ip;
    Table table;
    boost::asio::io_context io;
    auto config = loaded(
        "pools:\n"
        "  cdn:\n"
        "    monitor: http\n"
        "    monitor_params: {interval: 0.2, timeout: 0.1, retries: 0}\n"
        "    lb_method: wrr\n"
        "    members:\n"
        "    - {cname: localhost, name: local, weight: 1, monitor_port: " +
            std::to_string(by_name.port()) +
            "}\n"
            "    - {cname: nothing.invalid, name: nowhere, weight: 1, monitor_port: " +
            std::to_string(by_name.port()) +
            "}\n"
            "    - {cname: Edge.Example.NET, name: edge, weight: 1, monitor_ip: 127.0.0.1, "
            "monitor_port: " +
            std::to_string(by_ip.port()) +
            "}\n"
            "globalnames:\n"
            "  www.example.com: {pool: cdn, ttl: 5}\n",
        table.name);
    REQUIRE(config.pools[0].members[0].probe_by_name);
    REQUIRE_FALSE(config.pools[0].members[2].probe_by_name);
    health::ProbeRun run(io, config);
    run.start();
    auto settled = [&] {
        return table.verdict(0) == lb::Health::Up && table.verdict(1) == lb::Health::Down &&
               table.verdict(2) == lb::Health::Up;
    };
    runUntil(io, settled, 3);
    CHECK(table.verdict(0) == lb::Health::Up);
    CHECK(table.verdict(1) == lb::Health::Down);
    CHECK(table.verdict(2) == lb::Health::Up);
    auto nowhere = slotOf(table, 1);
    CHECK(nowhere.reason == state::FailureReason::ResolveFailed);
    const auto& cfg = run.config();
    CHECK(state::failureText(cfg, cfg.pools[0], cfg.pools[0].members[1], nowhere.reason,
                             nowhere.detail) == "cname nothing.invalid did not resolve");
    // Each site is asked for by its own name.
    CHECK_THAT(by_name.lastRequest(), Catch::Contains("Host: localhost\r\n"));
    CHECK_THAT(by_ip.lastRequest(), Catch::Contains("Host: edge.example.net\r\n"));
    run.stop();
}

// --- the cluster's votes (health_quorum) ---
