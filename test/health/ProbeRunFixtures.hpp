#pragma once
// What the ProbeRun suites share: a pool of http members on the test servers, a configuration
// read from LB text, the loop run until a condition holds, and a table that is removed after.
#include <unistd.h>

#include <boost/asio.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "conf/ConfigLoader.hpp"
#include "health/ProbeRun.hpp"
#include "state/HealthTableReader.hpp"
#include "state/SharedMemory.hpp"

namespace pharos::test {

using std::chrono::milliseconds;

inline conf::Config httpConfig(const std::string& table, std::vector<uint16_t> member_ports) {
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
        m.ip = *base::IpAddress::parse("10.0.0." + std::to_string(i + 1));
        m.monitor_ip = *base::IpAddress::parse("127.0.0.1");
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
    state::HealthTableReader reader{name};
    ~Table() { state::unlinkSharedMemory(name); }
    lb::Health verdict(uint32_t slot) {
        reader.refresh();
        return reader.verdict(slot, false);
    }
};

inline conf::Config loaded(const std::string& lb, const std::string& table) {
    auto r = conf::loadLbText(lb, "", "lb.yaml", "topology.yaml");
    if (auto* errors = std::get_if<std::vector<conf::ConfigError>>(&r)) {
        for (const auto& e : *errors) {
            UNSCOPED_INFO(e.str());
        }
    }
    REQUIRE(std::holds_alternative<conf::Config>(r));
    auto c = std::get<conf::Config>(std::move(r));
    c.settings.health_table = table;
    c.settings.table_group = "";
    return c;
}

inline state::SlotView slotOf(Table& table, uint32_t slot) {
    table.reader.refresh();
    state::SlotView v;
    REQUIRE(table.reader.readSlot(slot, v));
    return v;
}

}  // namespace pharos::test
