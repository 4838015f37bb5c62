#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>

#include "base/Clock.hpp"
#include "health/ProbeRun.hpp"
#include "state/HealthTableWriter.hpp"
#include "state/SharedMemory.hpp"
#include "state/TableVerdicts.hpp"

using namespace pharos;

namespace {
conf::Config oneMember(const std::string& table, conf::StalePolicy policy) {
    conf::Config c;
    c.settings.health_table = table;
    c.settings.table_group = "";
    c.settings.stale_after = conf::Seconds(1);
    c.settings.on_stale = policy;
    conf::Pool p;
    p.name = "p";
    conf::Member m;
    m.ip = *base::IpAddress::parse("10.0.0.1");
    m.weight = 1;
    p.members.push_back(m);
    c.pools.push_back(p);
    conf::finalizeLayout(c);
    return c;
}
}  // namespace

TEST_CASE("table policy: fail-open unless the table is fresh, ready and ours") {
    std::string name = "/pharos-policy-" + std::to_string(getpid());
    auto config = oneMember(name, conf::StalePolicy::FailOpen);
    state::TableVerdicts source(name);
    std::vector<lb::Health> out(1);
    source.refresh();
    CHECK_FALSE(source.fill(config, config.pools[0], out));  // missing
    CHECK(out[0] == lb::Health::Up);
    CHECK(source.lastStatus() == state::TableStatus::Missing);

    state::HealthTableWriter writer(config, base::realtimeMs());
    state::SlotView down;
    down.state = state::MemberState::Down;
    writer.write(0, down);
    source.refresh();
    CHECK_FALSE(source.fill(config, config.pools[0], out));  // not ready
    writer.markReady();
    CHECK(source.fill(config, config.pools[0], out));
    CHECK(out[0] == lb::Health::Down);

    writer.heartbeat(base::realtimeMs() - 5000);  // the prober stopped 5 s ago
    state::TableVerdicts later(name);             // a reader that finds it so
    later.refresh();
    CHECK_FALSE(later.fill(config, config.pools[0], out));
    CHECK(out[0] == lb::Health::Up);
    // One that saw it beat judges by its own clock how long it has not (a step of the wall
    // clock, as the backdated beat looks to it, does not kill a prober): stale_after is 1 s.
    CHECK(source.fill(config, config.pools[0], out));
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    CHECK_FALSE(source.fill(config, config.pools[0], out));
    CHECK(out[0] == lb::Health::Up);
    auto last_known = oneMember(name, conf::StalePolicy::LastKnown);
    CHECK(source.fill(last_known, last_known.pools[0], out));
    CHECK(out[0] == lb::Health::Down);

    auto other = oneMember(name, conf::StalePolicy::FailOpen);
    other.layout_hash ^= 1;
    writer.heartbeat(base::realtimeMs());
    CHECK_FALSE(source.fill(other, other.pools[0], out));
    CHECK(source.lastStatus() == state::TableStatus::OtherConfig);
    state::unlinkSharedMemory(name);
}
