#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>

#include "state/HealthTableReader.hpp"
#include "state/HealthTableWriter.hpp"
#include "state/SharedMemory.hpp"

using namespace pharos;
using state::MemberState;
using state::SlotView;
using state::TableStatus;

namespace {

std::string uniqueName() {
    static int n = 0;
    return "/pharos-test-" + std::to_string(getpid()) + "-" + std::to_string(++n);
}

conf::Config makeConfig(const std::string& table,
                        std::vector<std::pair<std::string, std::vector<std::string>>> pools) {
    conf::Config c;
    c.settings.health_table = table;
    c.settings.table_group = "";
    for (auto& [name, ips] : pools) {
        conf::Pool p;
        p.name = name;
        for (auto& ip : ips) {
            conf::Member m;
            m.ip = *base::IpAddress::parse(ip);
            m.name = ip;
            m.weight = 1;
            p.members.push_back(m);
        }
        c.pools.push_back(p);
    }
    conf::finalizeLayout(c);
    return c;
}

SlotView slotIn(MemberState s, state::AdminOverride a = state::AdminOverride::None) {
    SlotView v;
    v.state = s;
    v.admin = a;
    return v;
}

struct Cleanup {
    std::string name;
    ~Cleanup() { state::unlinkSharedMemory(name); }
};

}  // namespace

TEST_CASE("reader status: missing, not ready, other configuration, stale, ok") {
    std::string name = uniqueName();
    Cleanup cleanup{name};
    auto config = makeConfig(name, {{"p", {"10.0.0.1", "10.0.0.2"}}});
    state::HealthTableReader reader(name);
    CHECK_FALSE(reader.refresh());
    CHECK(reader.status(config.layout_hash, 1000, 10000) == TableStatus::Missing);

    state::HealthTableWriter writer(config, 1000);
    REQUIRE(reader.refresh());
    CHECK(reader.status(config.layout_hash, 1000, 10000) == TableStatus::NotReady);
    writer.markReady();
    CHECK(reader.status(config.layout_hash, 1000, 10000) == TableStatus::Ok);
    CHECK(reader.status(config.layout_hash + 1, 1000, 10000) == TableStatus::OtherConfig);
    CHECK(reader.status(config.layout_hash, 11001, 10000) == TableStatus::Stale);
    writer.heartbeat(11000);
    CHECK(reader.status(config.layout_hash, 11001, 10000) == TableStatus::Ok);
    const auto* h = reader.header();
    REQUIRE(h);
    CHECK(h->slot_count == 2);
    CHECK(h->writer_pid == getpid());
}

TEST_CASE("table status: one machine spelling, and words for people") {
    CHECK(std::string(state::toString(TableStatus::NotReady)) == "not-ready");
    CHECK(std::string(state::toString(TableStatus::OtherConfig)) == "other-config");
    CHECK(std::string(state::toString(TableStatus::Stale)) == "stale");
    CHECK(std::string(state::tableStatusText(TableStatus::NotReady)) == "not ready");
    CHECK(std::string(state::tableStatusText(TableStatus::OtherConfig)) ==
          "built for another configuration");
    CHECK(std::string(state::tableStatusText(TableStatus::Missing)) == "missing");
}

TEST_CASE("verdicts apply admin overrides; the object is mode 0640") {
    std::string name = uniqueName();
    Cleanup cleanup{name};
    auto config = makeConfig(name, {{"p", {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"}}});
    state::HealthTableWriter writer(config, 1);
    writer.write(0, slotIn(MemberState::Up));
    writer.write(1, slotIn(MemberState::Down, state::AdminOverride::ForcedUp));
    writer.write(2, slotIn(MemberState::Up, state::AdminOverride::Drain));
    writer.write(3, slotIn(MemberState::Up, state::AdminOverride::ForcedDown));
    state::HealthTableReader reader(name);
    REQUIRE(reader.refresh());
    CHECK(reader.verdict(0, false) == lb::Health::Up);
    CHECK(reader.verdict(1, false) == lb::Health::Up);
    CHECK(reader.verdict(2, false) == lb::Health::Drained);
    CHECK(reader.verdict(3, false) == lb::Health::Down);
    CHECK(reader.verdict(4, false) == lb::Health::Unknown);  // out of range
    // alert_only: the checks' Down never reaches the answers, an operator's action still does.
    CHECK(reader.verdict(3, true) == lb::Health::Down);
    CHECK(reader.verdict(2, true) == lb::Health::Drained);
    writer.write(0, slotIn(MemberState::Down));
    CHECK(reader.verdict(0, false) == lb::Health::Down);
    CHECK(reader.verdict(0, true) == lb::Health::Up);
    struct stat st {};
    REQUIRE(stat(("/dev/shm" + name).c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0640);
}

TEST_CASE("a reader hammering a slot never sees a torn copy") {
    std::string name = uniqueName();
    Cleanup cleanup{name};
    auto config = makeConfig(name, {{"p", {"10.0.0.1"}}});
    state::HealthTableWriter writer(config, 1);
    state::HealthTableReader reader(name);
    REQUIRE(reader.refresh());
    auto writeNumber = [&](uint32_t n) {
        SlotView v;
        v.state = n % 2 == 0 ? MemberState::Up : MemberState::Down;
        v.last_change_ms = v.last_check_ms = n;
        v.latency_us = v.consecutive_ok = v.consecutive_fail = n;
        writer.write(0, v);
    };
    writeNumber(0);  // the reader may start before the first write below: it must see n = 0
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> reads{0}, torn{0};
    std::thread hammer([&] {
        SlotView v;
        while (!stop) {
            if (reader.readSlot(0, v)) {
                ++reads;
                // The writer always stores one number n in every field.
                bool same = v.last_change_ms == v.last_check_ms &&
                            uint32_t(v.last_check_ms) == v.latency_us &&
                            v.latency_us == v.consecutive_ok &&
                            v.consecutive_ok == v.consecutive_fail &&
                            (v.state == MemberState::Up) == (v.latency_us % 2 == 0);
                torn += !same;
            }
        }
    });
    // Keeps writing until the reader has read a while, however the threads are scheduled.
    for (uint32_t n = 1; n <= 300000 || reads < 10000; ++n) {
        writeNumber(n);
    }
    stop = true;
    hammer.join();
    CHECK(reads > 0);
    CHECK(torn == 0);
}

TEST_CASE("a reload carries verdicts over by member, and readers move to the new table") {
    std::string name = uniqueName();
    Cleanup cleanup{name};
    auto first = makeConfig(name, {{"a", {"10.0.0.1", "10.0.0.2"}}, {"b", {"10.0.1.1"}}});
    auto old_writer = std::make_unique<state::HealthTableWriter>(first, 1);
    old_writer->write(0, slotIn(MemberState::Up));
    old_writer->write(1, slotIn(MemberState::Down));
    old_writer->write(2, slotIn(MemberState::Down));
    old_writer->markReady();
    state::HealthTableReader reader(name);
    REQUIRE(reader.refresh());
    CHECK(reader.verdict(1, false) == lb::Health::Down);

    // 10.0.0.2 leaves pool a, 10.0.0.3 joins; pool b is unchanged but now sorts after "a".
    auto second = makeConfig(name, {{"a", {"10.0.0.1", "10.0.0.3"}}, {"b", {"10.0.1.1"}}});
    state::HealthTableWriter writer(second, 2);
    CHECK(writer.adopted() == 2);
    CHECK(writer.read(0).state == MemberState::Up);
    CHECK(writer.read(1).state == MemberState::Unknown);
    CHECK(writer.read(2).state == MemberState::Down);
    // 10.0.0.3 has no verdict yet and is not answered until it has one; the table stays
    // ready, so the other members keep their verdicts in the answers (no fail-open).
    CHECK(writer.ready());
    CHECK(old_writer->header().retired.load() == 1);
    REQUIRE(reader.refresh());
    CHECK(reader.status(second.layout_hash, 2, 10000) == TableStatus::Ok);
    CHECK(reader.verdict(1, false) == lb::Health::Unknown);
    CHECK(reader.verdict(2, false) == lb::Health::Down);

    // A pool of new members only would answer nothing but its fallback: not ready until
    // it has verdicts (the backend fails open meanwhile, as at a first start).
    auto third = makeConfig(name, {{"a", {"10.0.0.1"}}, {"c", {"10.0.2.1"}}});
    state::HealthTableWriter with_new_pool(third, 3);
    CHECK(with_new_pool.adopted() == 1);
    CHECK_FALSE(with_new_pool.ready());
}

TEST_CASE("a restarted prober adopts the whole table, ready flag included") {
    std::string name = uniqueName();
    Cleanup cleanup{name};
    auto config = makeConfig(name, {{"p", {"10.0.0.1", "2001:db8::1"}}});
    {
        state::HealthTableWriter writer(config, 1);
        writer.write(0, slotIn(MemberState::Up));
        writer.write(1, slotIn(MemberState::Down));
        writer.markReady();
    }  // the prober exits; its table stays
    state::HealthTableReader reader(name);
    REQUIRE(reader.refresh());
    state::HealthTableWriter again(config, 5);
    CHECK(again.adopted() == 2);
    CHECK(again.ready());
    REQUIRE(reader.refresh());
    CHECK(reader.status(config.layout_hash, 5, 10000) == TableStatus::Ok);
    CHECK(reader.verdict(0, false) == lb::Health::Up);
    CHECK(reader.verdict(1, false) == lb::Health::Down);
}

TEST_CASE("a table removed from /dev/shm is published again, verdicts and all") {
    std::string name = uniqueName();
    Cleanup cleanup{name};
    auto config = makeConfig(name, {{"p", {"10.0.0.1", "10.0.0.2"}}});
    state::HealthTableWriter writer(config, 1);
    writer.write(1, slotIn(MemberState::Down));
    writer.markReady();
    CHECK_FALSE(writer.republishIfGone(name, ""));  // still there: nothing to do
    state::HealthTableReader reader(name);
    REQUIRE(reader.refresh());
    state::unlinkSharedMemory(name);
    CHECK(reader.refresh());  // keeps reading the live, unlinked table meanwhile
    CHECK(reader.verdict(1, false) == lb::Health::Down);
    state::HealthTableReader newcomer(name);
    CHECK_FALSE(newcomer.refresh());  // which nobody new can find
    CHECK(writer.republishIfGone(name, ""));
    CHECK(newcomer.refresh());
    REQUIRE(reader.refresh());
    CHECK(reader.status(config.layout_hash, 1, 1000) == state::TableStatus::Ok);
    CHECK(reader.verdict(1, false) == lb::Health::Down);
    writer.write(0, slotIn(MemberState::Up));  // and the prober writes into the new one
    CHECK(reader.verdict(0, false) == lb::Health::Up);
}
