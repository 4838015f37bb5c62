// The per-family split the backend and `pharosctl explain` decide through.
#include <set>

#include "LbTestSupport.hpp"
#include "lb/PoolBalancer.hpp"

using namespace pharos;
using namespace pharos::test;
using base::Family;
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

namespace {
conf::Member cnameMember(const std::string& target, int weight = 1) {
    conf::Member m;
    m.cname = target;
    m.name = "c-" + target;
    m.weight = weight;
    m.probe_by_name = true;
    return m;
}

conf::Pool cnamePool(LbMethod method, std::vector<conf::Member> members, int max_addrs = 1,
                     conf::Fallback fallback = conf::Fallback::Any) {
    auto p = pool(method, std::move(members), fallback, max_addrs);
    p.has_cname = true;
    return p;
}
}  // namespace

TEST_CASE("a pool with cname members is decided whole, for either family") {
    Split s(cnamePool(LbMethod::FoGroup, {member("192.0.2.10"), cnameMember("edge.example.net"),
                                          member("2001:db8::10")}));
    CHECK(s.balancer.whole());
    CHECK(s.balancer.serves(Family::V4));
    CHECK(s.balancer.serves(Family::V6));
    // fogroup picks the first Up member whatever its kind, and the same for both families:
    // the caller answers an address only to its own family, a CNAME to any question.
    for (Family family : {Family::V4, Family::V6}) {
        INFO("family " << int(family));
        CHECK(s.decide(family, {Up, Up, Up}).members == std::vector<uint32_t>{0});
        CHECK(s.decide(family, {Down, Up, Up}).members == std::vector<uint32_t>{1});
        CHECK(s.decide(family, {Down, Down, Up}).members == std::vector<uint32_t>{2});
        CHECK(s.decide(family, {Up, Down, Down}).members == std::vector<uint32_t>{0});
        auto none = s.decide(family, {Down, Down, Down});
        CHECK(none.fallback);
        CHECK(none.members.size() == 1);
    }
    // The same members without has_cname are split by family as before.
    auto split = pool(LbMethod::FoGroup, {member("192.0.2.10"), member("2001:db8::10")});
    Split plain(split);
    CHECK_FALSE(plain.balancer.whole());
    CHECK(plain.decide(Family::V6, {Up, Up}).members == std::vector<uint32_t>{1});
}

TEST_CASE("a pool decided whole returns one member, whatever max_addrs_returned says") {
    std::vector<conf::Member> targets = {cnameMember("a.example.net"), cnameMember("b.example.net"),
                                         cnameMember("c.example.net")};
    Split whole(cnamePool(LbMethod::Wrr, targets, 3));
    std::set<uint32_t> seen;
    for (int i = 0; i < 200; ++i) {
        auto a = whole.decide(Family::V4, {Up, Up, Up});
        REQUIRE(a.members.size() == 1);
        seen.insert(a.members[0]);
        CHECK(whole.decide(Family::V6, {Up, Up, Up}).members.size() == 1);
    }
    CHECK(seen == std::set<uint32_t>{0, 1, 2});  // a wrr draw, not always the first
    CHECK(whole.decide(Family::V4, {Down, Down, Up}).members == std::vector<uint32_t>{2});
    // Without cname members max_addrs_returned still applies.
    Split addresses(pool(LbMethod::Wrr,
                         {member("192.0.2.10"), member("192.0.2.11"), member("192.0.2.12")},
                         conf::Fallback::Any, 3));
    CHECK(addresses.decide(Family::V4, {Up, Up, Up}).members.size() == 3);
}

TEST_CASE("chash keeps a cname member's clients when members are reordered") {
    auto a = cnameMember("a.example.net");
    auto b = cnameMember("b.example.net");
    auto c = cnameMember("c.example.net");
    Split abc(cnamePool(LbMethod::CHash, {a, b, c}));
    Split cab(cnamePool(LbMethod::CHash, {c, a, b}));
    std::set<std::string> targets;
    int moved = 0;
    for (int i = 0; i < 64; ++i) {
        auto cl = client("198.51." + std::to_string(i) + ".7");
        auto x = abc.decide(Family::V4, {Up, Up, Up}, cl);
        auto y = cab.decide(Family::V4, {Up, Up, Up}, cl);
        REQUIRE(x.members.size() == 1);
        REQUIRE(y.members.size() == 1);
        targets.insert(abc.pool.members[x.members[0]].cname);
        moved += abc.pool.members[x.members[0]].cname != cab.pool.members[y.members[0]].cname;
    }
    CHECK(targets.size() == 3);  // clients are spread over every target
    CHECK(moved == 0);
}
