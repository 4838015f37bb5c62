// The per-family split the backend and `pharosctl explain` decide through.
#include <set>

#include "LbTestSupport.hpp"
#include "lb/PoolBalancer.hpp"

using namespace pharos;
using namespace pharos::test;
using conf::Family;
using conf::LbMethod;

namespace {
struct Split {
    conf::Pool pool;
    conf::Topology topology;
    lb::TopologyIndex index;
    lb::PoolBalancer balancer;
    lb::WeightedSampler sampler{99};

    Split(conf::Pool p, conf::Topology t = {})
        : pool(std::move(p)),
          topology(std::move(t)),
          index(topology),
          balancer(pool, topology, index) {}
    lb::Answer decide(Family family, const std::vector<lb::Health>& health,
                      const lb::Client& c = client("192.0.2.1")) {
        lb::Answer a;
        balancer.decide(family, health, c, sampler, a);
        return a;
    }
};

std::vector<conf::Member> dualStack() {
    return {member("192.0.2.10"), member("2001:db8::10"), member("192.0.2.11"),
            member("2001:db8::11")};
}
}  // namespace

TEST_CASE("a dual-stack pool answers A from IPv4 members and AAAA from IPv6 ones") {
    for (auto method : {LbMethod::Wrr, LbMethod::FoGroup, LbMethod::CHash}) {
        Split s(pool(method, dualStack()));
        for (int i = 0; i < 50; ++i) {
            auto a = s.decide(Family::V4, {Up, Up, Up, Up});
            auto aaaa = s.decide(Family::V6, {Up, Up, Up, Up});
            REQUIRE(a.members.size() == 1);
            REQUIRE(aaaa.members.size() == 1);
            CHECK((a.members[0] == 0 || a.members[0] == 2));
            CHECK((aaaa.members[0] == 1 || aaaa.members[0] == 3));
        }
    }
}

TEST_CASE("fallback any stays within the family asked for") {
    // Every IPv4 member down, IPv6 up: A falls back among the IPv4 members (never an IPv6
    // pick that would have to be dropped), AAAA answers normally.
    for (auto method : {LbMethod::Wrr, LbMethod::FoGroup, LbMethod::CHash}) {
        Split s(pool(method, dualStack()));
        std::set<uint32_t> seen;
        for (int i = 0; i < 40; ++i) {
            auto a = s.decide(Family::V4, {Down, Up, Down, Up});
            REQUIRE(a.fallback);
            REQUIRE(a.members.size() == 1);
            seen.insert(a.members[0]);
            auto aaaa = s.decide(Family::V6, {Down, Up, Down, Up});
            CHECK_FALSE(aaaa.fallback);
        }
        CHECK(seen == std::set<uint32_t>{0, 2});
    }
}

TEST_CASE("fogroup order and refuse apply per family") {
    Split s(pool(LbMethod::FoGroup, dualStack(), conf::Fallback::Refuse));
    CHECK(s.decide(Family::V4, {Up, Up, Up, Up}).members == std::vector<uint32_t>{0});
    CHECK(s.decide(Family::V6, {Up, Up, Up, Up}).members == std::vector<uint32_t>{1});
    CHECK(s.decide(Family::V4, {Down, Down, Up, Down}).members == std::vector<uint32_t>{2});
    CHECK(s.decide(Family::V6, {Down, Down, Up, Down}).refused);
}

TEST_CASE("a single-family pool does not serve the other family") {
    Split v4(pool(LbMethod::Wrr, {member("192.0.2.10"), member("192.0.2.11")}));
    CHECK(v4.balancer.serves(Family::V4));
    CHECK_FALSE(v4.balancer.serves(Family::V6));
    auto none = v4.decide(Family::V6, {Up, Up});
    CHECK(none.members.empty());
    CHECK_FALSE(none.refused);
}

TEST_CASE("a trace names the whole pool's members") {
    Split s(pool(LbMethod::FoGroup, dualStack()));
    lb::Answer a;
    lb::Trace trace;
    auto c = client("192.0.2.1");
    s.balancer.decide(Family::V6, std::vector<lb::Health>{Up, Down, Up, Up}, c, s.sampler, a,
                      &trace);
    std::string text = lb::formatTrace(s.pool, s.topology, trace, a, c);
    CHECK_THAT(text, Catch::Contains("skipped m-2001:db8::10 2001:db8::10: down"));
    CHECK_THAT(text, Catch::Contains("answer: 2001:db8::11"));
}
