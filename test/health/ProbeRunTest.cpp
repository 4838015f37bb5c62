#include <unistd.h>

#include <catch2/catch.hpp>

#include "TestServers.hpp"
#include "health/HealthTableReader.hpp"
#include "health/ProbeRun.hpp"
#include "health/SharedMemory.hpp"

using namespace pharos;
using std::chrono::milliseconds;

namespace {

conf::Config httpConfig(const std::string& table, std::vector<uint16_t> member_ports) {
    conf::Config c;
    c.settings.health_table = table;
    c.settings.table_group = "";
    conf::Pool p;
    p.name = "web";
    p.monitor = conf::MonitorKind::Http;
    p.params.edit().interval = conf::Seconds(0.2);
    p.params.edit().timeout = conf::Seconds(0.1);
    p.params.edit().retries = 1;
    for (size_t i = 0; i < member_ports.size(); ++i) {
        conf::Member m;
        // One listener per member on 127.0.0.1; members differ by address key only in the
        // table, so each gets its own 127.0.0.x address probed through monitor_ip + port.
        m.ip = *conf::IpAddress::parse("10.0.0." + std::to_string(i + 1));
        m.monitor_ip = *conf::IpAddress::parse("127.0.0.1");
        m.monitor_port = member_ports[i];
        m.name = "m" + std::to_string(i);
        m.weight = 1;
        p.members.push_back(m);
    }
    c.pools.push_back(p);
    conf::finalizeLayout(c);
    return c;
}

// Runs the loop until `done` holds or `limit` passes; returns the seconds it took.
template <typename Done>
double runUntil(boost::asio::io_context& io, Done done, double limit) {
    auto start = std::chrono::steady_clock::now();
    while (!done()) {
        double spent =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (spent > limit) {
            return spent;
        }
        io.run_for(milliseconds(10));
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct Table {
    std::string name = "/pharos-probe-test-" + std::to_string(getpid());
    health::HealthTableReader reader{name};
    ~Table() { health::unlinkSharedMemory(name); }
    lb::Health verdict(uint32_t slot) {
        reader.refresh();
        return reader.verdict(slot, false);
    }
};

}  // namespace

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
    health::SlotView v;
    REQUIRE(table.reader.readSlot(0, v));
    CHECK(v.reason == health::FailureReason::BadStatus);
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
        m.ip = m.monitor_ip = *conf::IpAddress::parse("127.0.0.1");
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
    health::SlotView v;
    REQUIRE(table.reader.readSlot(2, v));
    CHECK(v.reason == health::FailureReason::ForcedDown);
    CHECK(web.lastRequest().rfind("GET / HTTP/1.1", 0) == 0);
    run.stop();
}
