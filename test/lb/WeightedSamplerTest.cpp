#include <map>

#include "LbTestSupport.hpp"

using namespace pharos;
using namespace pharos::test;

TEST_CASE("sampler: below(n) is uniform enough to split load") {
    lb::WeightedSampler s(1);
    std::map<uint64_t, int> counts;
    for (int i = 0; i < 70000; ++i) {
        uint64_t v = s.below(7);
        REQUIRE(v < 7);
        ++counts[v];
    }
    for (auto [v, c] : counts) {
        CHECK(c == Approx(10000).margin(400));
    }
}

TEST_CASE("sampler: draws distinct members, never a disallowed or weight-0 one") {
    auto p = pool(conf::LbMethod::Wrr, {member("10.0.0.1", 5), member("10.0.0.2", 0),
                                        member("10.0.0.3", 1), member("10.0.0.4", 2)});
    lb::WeightedSampler s(2);
    std::vector<uint32_t> out;
    for (int i = 0; i < 1000; ++i) {
        out.clear();
        s.draw(
            p, 4, [](uint32_t m) { return m != 3; }, out);
        REQUIRE(out.size() == 2);  // members 0 and 2: 1 has weight 0, 3 is not allowed
        REQUIRE(out[0] != out[1]);
        for (uint32_t m : out) {
            REQUIRE((m == 0 || m == 2));
        }
    }
    out.clear();
    s.draw(
        p, 1, [](uint32_t) { return false; }, out);
    CHECK(out.empty());
}
