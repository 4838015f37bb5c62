#include <random>
#include <set>

#include "LbTestSupport.hpp"

using namespace pharos;
using namespace pharos::test;
using conf::LbMethod;
using Members = std::vector<uint32_t>;

TEST_CASE("topology index: longest prefix wins, families never mix") {
    auto t = topology(
        {{"x", {"10.0.0.0/8", "2001:db8::/32"}}, {"y", {"10.1.0.0/16", "2001:db8:1::/48"}}});
    lb::TopologyIndex index(t);
    auto m = index.find(ip("10.1.2.3"));
    CHECK(m.region == 1);
    CHECK(m.prefix == 16);
    CHECK_FALSE(m.more_specific_inside);
    m = index.find(ip("10.2.2.2"));
    CHECK(m.region == 0);
    CHECK(m.prefix == 8);
    CHECK(m.more_specific_inside);
    CHECK(index.find(ip("11.0.0.1")).region == -1);
    CHECK(index.find(ip("2001:db8:1::9")).region == 1);
    CHECK(index.find(ip("2001:db8:2::9")).region == 0);
    CHECK(index.find(ip("::ffff:10.1.2.3")).region == -1);
    CHECK(index.find(ip("3001::1")).region == -1);
}

TEST_CASE("topology index agrees with a brute-force scan on random prefixes") {
    std::mt19937 random(42);
    conf::Topology t;
    t.regions.resize(7);
    std::set<std::pair<uint32_t, int>> used;
    for (int i = 0; i < 2000; ++i) {
        int prefix = int(random() % 25) + 8;
        uint32_t network = uint32_t(random()) & (prefix == 0 ? 0 : ~0u << (32 - prefix));
        if (!used.insert({network, prefix}).second) {
            continue;
        }
        base::IpAddress a;
        a.bytes = {uint8_t(network >> 24), uint8_t(network >> 16), uint8_t(network >> 8),
                   uint8_t(network)};
        t.regions[random() % 7].cidrs.push_back({a, prefix});
    }
    lb::TopologyIndex index(t);
    for (int q = 0; q < 5000; ++q) {
        // Half the probes land inside a known prefix, half anywhere.
        base::IpAddress a;
        uint32_t v = uint32_t(random());
        if (q % 2 == 0) {
            auto it = used.begin();
            std::advance(it, long(random() % used.size()));
            v = it->first | (v & ~(~0u << (32 - it->second)));
        }
        a.bytes = {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
        int best = -1, best_prefix = -1;
        for (size_t r = 0; r < t.regions.size(); ++r) {
            for (const auto& c : t.regions[r].cidrs) {
                if (c.prefix > best_prefix && c.contains(a)) {
                    best = int(r);
                    best_prefix = c.prefix;
                }
            }
        }
        auto m = index.find(a);
        REQUIRE(m.region == best);
        if (best >= 0) {
            REQUIRE(m.prefix == best_prefix);
        }
    }
}

namespace {
Lb geo(conf::TopologyFallback fallback = conf::TopologyFallback::Any) {
    auto t = topology({{"a", {"10.1.0.0/16"}},
                       {"b", {"10.2.0.0/16", "2001:db8:2::/48"}},
                       {"c", {"10.2.9.0/24", "10.3.0.0/16"}}});
    t.regions[0].neighbours = {2, 1};
    auto p = pool(LbMethod::Twrr, {member("10.1.0.5", 1, 0, 0), member("10.2.0.5", 1, 0, 1),
                                   member("10.3.0.5", 1, 0, 2)});
    p.topology_fallback = fallback;
    return Lb(p, t);
}
}  // namespace

TEST_CASE("twrr: clients go to their region; unknown regions to any") {
    auto lb = geo();
    CHECK(lb.decide({Up, Up, Up}, "10.1.5.5").members == Members{0});
    CHECK(lb.decide({Up, Up, Up}, "10.2.5.5").members == Members{1});
    CHECK(lb.decide({Up, Up, Up}, "10.3.5.5").members == Members{2});
    std::set<uint32_t> seen;
    for (int i = 0; i < 30; ++i) {
        seen.insert(lb.decide({Up, Up, Up}, "192.0.2.1").members.at(0));
    }
    CHECK(seen.size() == 3);
    auto moved = lb.decide({Down, Up, Up}, "10.1.5.5").members;
    CHECK((moved == Members{1} || moved == Members{2}));
    auto all_down = lb.decide({Down, Down, Down}, "10.1.5.5");
    CHECK(all_down.fallback);
    CHECK(lb::scopeMaskFor(all_down, client("10.1.5.5")) == 0);  // all down: any client alike
}

TEST_CASE("twrr: an ECS source prefix of 0 steers by the resolver") {
    auto lb = geo();
    auto a = lb.decide({Up, Up, Up}, "10.2.5.5", "0.0.0.0/0");
    CHECK(a.members == Members{1});
    CHECK_FALSE(a.steered_by_ecs);
    CHECK(lb.scopeMask({Up, Up, Up}, "10.2.5.5", "0.0.0.0/0") == 32);
}

TEST_CASE("twrr nearest: a failed region's clients go to its neighbours in order") {
    auto lb = geo(conf::TopologyFallback::Nearest);
    CHECK(lb.decide({Down, Up, Up}, "10.1.5.5").members == Members{2});
    CHECK(lb.decide({Down, Up, Down}, "10.1.5.5").members == Members{1});
}

TEST_CASE("twrr ECS: the subnet steers and sets the scope; resolver mode ignores it") {
    auto lb = geo();
    auto b = lb.decide({Up, Up, Up}, "10.1.5.5", "10.2.3.0/24");
    CHECK(b.members == Members{1});
    CHECK(b.scope_prefix == 24);  // 10.2.0.0/16 holds the more specific 10.2.9.0/24 (c)
    auto c = lb.decide({Up, Up, Up}, "10.1.5.5", "10.3.7.0/24");
    CHECK(c.members == Members{2});
    CHECK(c.scope_prefix == 16);
    auto v6 = lb.decide({Up, Up, Up}, "10.1.5.5", "2001:db8:2:1::/64");
    CHECK(v6.members == Members{1});
    CHECK(v6.scope_prefix == 48);
    auto nowhere = lb.decide({Up, Up, Up}, "10.1.5.5", "192.0.2.0/24");
    CHECK(nowhere.scope_prefix == 24);
    auto plain = lb.decide({Up, Up, Up}, "10.1.5.5");
    CHECK(plain.members == Members{0});
    // Steered by the resolver's address: a scopeMask as long as the address keeps pdns from
    // caching region a's answer for a resolver in region b.
    CHECK(lb.scopeMask({Up, Up, Up}, "10.1.5.5") == 32);
    CHECK(lb.scopeMask({Up, Up, Up}, "10.2.3.4") == 32);

    auto p = lb.pool;
    p.client_address = conf::ClientAddressSource::Resolver;
    Lb resolver(p, lb.topology);
    auto r = resolver.decide({Up, Up, Up}, "10.1.5.5", "10.3.7.0/24");
    CHECK(r.members == Members{0});
    // The answer ignores the subnet but not the resolver: scoped to what the resolver sent.
    CHECK(resolver.scopeMask({Up, Up, Up}, "10.1.5.5", "10.3.7.0/24") == 24);
}

TEST_CASE("topology: a /64 with a longer prefix inside narrows the scope (found by fuzzing)") {
    auto t = topology({{"a", {"2001:db8:1:2::/64"}}, {"b", {"2001:db8:1:2:8000::/65"}}});
    lb::TopologyIndex index(t);
    auto m = index.find(ip("2001:db8:1:2::1"));
    CHECK(m.region == 0);
    CHECK(m.prefix == 64);
    CHECK(m.more_specific_inside);
    CHECK(index.find(ip("2001:db8:1:2:8000::1")).region == 1);
}
