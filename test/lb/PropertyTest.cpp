#include <random>

#include "LbTestSupport.hpp"

using namespace pharos;
using namespace pharos::test;

TEST_CASE("properties over random pools, health and clients") {
    std::mt19937 random(7);
    const conf::LbMethod methods[] = {conf::LbMethod::Wrr, conf::LbMethod::FoGroup,
                                      conf::LbMethod::CHash};
    const lb::Health states[] = {Up, Down, Unknown};
    for (int round = 0; round < 2000; ++round) {
        std::vector<conf::Member> members;
        size_t n = 1 + random() % 8;
        for (size_t i = 0; i < n; ++i) {
            members.push_back(
                member("10.0." + std::to_string(round % 200) + "." + std::to_string(i + 1),
                       int(random() % 6)));
        }
        auto method = methods[random() % 3];
        auto fallback = random() % 2 ? conf::Fallback::Any : conf::Fallback::Refuse;
        int max_addrs = 1 + int(random() % 4);
        Lb lb(pool(method, members, fallback, max_addrs));
        for (int q = 0; q < 5; ++q) {
            std::vector<lb::Health> health;
            size_t usable = 0;
            for (size_t i = 0; i < n; ++i) {
                health.push_back(states[random() % 3]);
                usable += health[i] == Up && members[i].weight > 0;
            }
            auto a = lb.decide(health, "192.0." + std::to_string(random() % 256) + ".1");
            auto sorted = a.members;
            std::sort(sorted.begin(), sorted.end());
            REQUIRE(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
            for (uint32_t m : a.members) {
                REQUIRE(members[m].weight > 0);
                REQUIRE((a.fallback || health[m] == Up));
            }
            if (usable > 0) {
                REQUIRE_FALSE(a.fallback);
                REQUIRE_FALSE(a.refused);
                size_t expected =
                    method == conf::LbMethod::FoGroup ? 1 : std::min(usable, size_t(max_addrs));
                REQUIRE(a.members.size() == expected);
            } else {
                REQUIRE((a.fallback || a.refused));
                REQUIRE(a.refused == (fallback == conf::Fallback::Refuse));
            }
        }
    }
}
