#include "ConfTestSupport.hpp"

using namespace pharos;
using pharos::test::loadOk;
using pharos::test::loadOneError;

namespace {
const std::string kTwrr =
    "pools:\n  p:\n    monitor: forced\n    lb_method: twrr\n    members:\n"
    "    - {ip: 10.1.0.5, name: a, weight: 1}\n    - {ip: 2001:db8:2::5, name: b, weight: 1}\n"
    "globalnames:\n  w.example:\n    pool: p\n    ttl: 1\n";
}

TEST_CASE("topology regions in Polaris form, both families, most specific region wins") {
    auto c = loadOk(kTwrr,
                    "dc1:\n- 10.1.0.0/16\n- 10.1.0.5/32\ndc2:\n- 2001:db8:2::/48\n"
                    "wide:\n- 10.0.0.0/8\n");
    REQUIRE(c.topology.regions.size() == 3);
    CHECK(c.topology.regions[0].cidrs.size() == 2);
    CHECK(c.pools[0].members[0].region == 0);
    CHECK(c.pools[0].members[1].region == 1);
}

TEST_CASE("pharos map form with neighbours") {
    auto c = loadOk(kTwrr,
                    "dc1:\n  cidrs: [10.1.0.0/16]\n  neighbours: [dc2, dc3]\n"
                    "dc2:\n  cidrs: [2001:db8:2::/48]\n  neighbours: [dc1]\n"
                    "dc3: [192.0.2.0/24]\n");
    CHECK(c.topology.regions[0].neighbours == std::vector<int>{1, 2});
    CHECK(c.topology.regions[1].neighbours == std::vector<int>{0});
    CHECK(c.topology.regions[2].neighbours.empty());
}

TEST_CASE("topology errors are precise") {
    struct Case {
        std::string topology;
        std::string key;
        std::string message;
    };
    std::vector<Case> cases = {
        {"dc1: [10.1.0.0/16]\ndc2: [2001:db8:2::/48]\n_default: [10.9.0.0/16]\n", "_default",
         "reserved"},
        {"dc1: [10.1.0.1/16]\ndc2: [2001:db8:2::/48]\n", "dc1[0]", "no host bits"},
        {"dc1: [10.1.0.0/16, bogus]\ndc2: [2001:db8:2::/48]\n", "dc1[1]", "CIDR"},
        {"dc1: [10.1.0.0/16]\ndc2: [2001:db8:2::/48, 10.1.0.0/16]\n", "dc2",
         "also in region \"dc1\""},
        {"dc1: [10.1.0.0/16, 10.1.0.0/16]\ndc2: [2001:db8:2::/48]\n", "dc1", "listed twice"},
        {"dc1:\n  cidrs: [10.1.0.0/16]\n  neighbours: [dc9]\ndc2: [2001:db8:2::/48]\n",
         "dc1.neighbours[0]", "not a region"},
        {"dc1:\n  cidrs: [10.1.0.0/16]\n  neighbours: [dc1]\ndc2: [2001:db8:2::/48]\n",
         "dc1.neighbours[0]", "own neighbour"},
        {"dc1:\n  cidr: [10.1.0.0/16]\ndc2: [2001:db8:2::/48]\n", "dc1.cidr",
         "did you mean \"cidrs\""},
        {"dc1: 10.1.0.0/16\ndc2: [2001:db8:2::/48]\n", "dc1", "expected a list"},
    };
    for (const auto& c : cases) {
        auto r = conf::loadLbText(kTwrr, c.topology, "lb.yaml", "topology.yaml");
        auto errors = test::errorsOf(r);
        INFO(c.topology << test::allErrors(r));
        REQUIRE(!errors.empty());
        CHECK(errors[0].file == "topology.yaml");
        CHECK(errors[0].key == c.key);
        CHECK_THAT(errors[0].message, Catch::Contains(c.message));
        CHECK(errors[0].line > 0);
    }
}

TEST_CASE("twrr members must sit in a region, and twrr needs a topology") {
    auto e = loadOneError(kTwrr, "dc1: [10.1.0.0/16]\n");
    CHECK(e.file == "lb.yaml");
    CHECK(e.key == "pools.p.members[1].ip");
    CHECK_THAT(e.message, Catch::Contains("2001:db8:2::5 is in no region"));
    auto none = loadOneError(kTwrr, "");
    CHECK(none.key == "pools.p.lb_method");
    CHECK_THAT(none.message, Catch::Contains("needs a topology file"));
}
