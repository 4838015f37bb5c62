#include <set>

#include "LbTestSupport.hpp"

using namespace pharos;
using namespace pharos::test;
using conf::LbMethod;

namespace {
std::string subnet(int i) {
    return "10." + std::to_string(i / 256 % 256) + "." + std::to_string(i % 256) + ".0/24";
}
}  // namespace

TEST_CASE("chash: a subnet keeps its member; only a failed member's clients move") {
    Lb lb(pool(LbMethod::CHash, {member("10.9.0.1"), member("10.9.0.2"), member("10.9.0.3")}));
    std::vector<uint32_t> first;
    for (int i = 0; i < 5000; ++i) {
        auto a = lb.decide({Up, Up, Up}, "192.0.2.1", subnet(i));
        REQUIRE(a.members.size() == 1);
        CHECK(a.scope_prefix == 24);
        first.push_back(a.members[0]);
    }
    int moved = 0;
    for (int i = 0; i < 5000; ++i) {
        auto a = lb.decide({Up, Up, Down}, "192.0.2.1", subnet(i));
        if (first[size_t(i)] != 2) {
            REQUIRE(a.members[0] == first[size_t(i)]);
        } else {
            REQUIRE(a.members[0] != 2);
            ++moved;
        }
    }
    CHECK(moved > 1000);  // about a third
    for (int i = 0; i < 5000; ++i) {
        REQUIRE(lb.decide({Up, Up, Up}, "192.0.2.1", subnet(i)).members[0] == first[size_t(i)]);
    }
}

TEST_CASE("chash: one /24 is one key; the resolver keys when there is no ECS") {
    Lb lb(pool(LbMethod::CHash, {member("10.9.0.1"), member("10.9.0.2"), member("10.9.0.3")}));
    for (int i = 0; i < 200; ++i) {
        std::string net = "172.16." + std::to_string(i) + ".";
        auto a = lb.decide({Up, Up, Up}, net + "1");
        auto b = lb.decide({Up, Up, Up}, net + "254");
        CHECK(a.members == b.members);
        CHECK_FALSE(a.steered_by_ecs);
        // Keyed by the resolver: pdns must not cache it for another resolver.
        CHECK(lb.scopeMask({Up, Up, Up}, net + "1") == 32);
    }
}

TEST_CASE("chash: weights set the share of subnets") {
    Lb lb(pool(LbMethod::CHash, {member("10.9.0.1", 1), member("10.9.0.2", 3)}));
    int heavy = 0;
    for (int i = 0; i < 20000; ++i) {
        heavy += lb.decide({Up, Up}, "192.0.2.1", subnet(i)).members[0] == 1;
    }
    CHECK(heavy > 20000 * 70 / 100);
    CHECK(heavy < 20000 * 80 / 100);
}

TEST_CASE("chash fallbacks: refuse, and any spreads a subnet over every member") {
    Lb refuse(
        pool(LbMethod::CHash, {member("10.9.0.1"), member("10.9.0.2")}, conf::Fallback::Refuse));
    CHECK(refuse.decide({Down, Down}, "192.0.2.1").refused);
    Lb any(pool(LbMethod::CHash, {member("10.9.0.1"), member("10.9.0.2")}));
    std::set<uint32_t> seen;
    for (int i = 0; i < 40; ++i) {
        auto down = any.decide({Down, Down}, "192.0.2.1", subnet(7));
        CHECK(down.fallback);
        CHECK(down.scope_prefix == 0);
        seen.insert(down.members.at(0));
    }
    CHECK(seen.size() == 2);
}
