#include <map>
#include <set>

#include "LbTestSupport.hpp"

using namespace pharos;
using namespace pharos::test;
using conf::LbMethod;
using Members = std::vector<uint32_t>;

TEST_CASE("fogroup: the Polaris sample deployment") {
    Lb lb(pool(LbMethod::FoGroup, {member("10.1.0.5"), member("10.2.0.5")}));
    CHECK(lb.decide({Up, Up}).members == Members{0});
    CHECK(lb.decide({Down, Up}).members == Members{1});
    CHECK(lb.decide({Unknown, Up}).members == Members{1});
    CHECK_FALSE(lb.decide({Down, Up}).fallback);
    std::set<uint32_t> seen;
    for (int i = 0; i < 40; ++i) {
        auto a = lb.decide({Down, Down});
        CHECK(a.fallback);
        REQUIRE(a.members.size() == 1);
        seen.insert(a.members[0]);
    }
    CHECK(seen.size() == 2);  // fallback any spreads over both
}

TEST_CASE("fogroup answers one address whatever max_addrs_returned says") {
    Lb lb(pool(LbMethod::FoGroup, {member("10.0.0.1"), member("10.0.0.2"), member("10.0.0.3")},
               conf::Fallback::Any, 3));
    CHECK(lb.decide({Up, Up, Up}).members == Members{0});
    CHECK(lb.decide({Down, Down, Up}).members == Members{2});
}

TEST_CASE("fogroup priorities: the best usable priority answers together") {
    Lb lb(pool(LbMethod::FoGroup,
               {member("10.0.0.1", 1, 0), member("10.0.0.2", 1, 0), member("10.0.0.3", 1, 1)},
               conf::Fallback::Any, 2));
    auto both = lb.decide({Up, Up, Up}).members;
    std::sort(both.begin(), both.end());
    CHECK(both == Members{0, 1});
    CHECK(lb.decide({Down, Up, Up}).members == Members{1});
    CHECK(lb.decide({Down, Down, Up}).members == Members{2});
    CHECK(lb.decide({Down, Down, Down}).fallback);
}

namespace {
// Share of answers whose first address is each member, over `queries` decisions.
std::map<uint32_t, double> shares(Lb& lb, const std::vector<lb::Health>& health, int queries) {
    std::map<uint32_t, double> out;
    for (auto [member, count] : lb.firsts(health, queries)) {
        out[member] = double(count) / queries;
    }
    return out;
}
}  // namespace

TEST_CASE("wrr: the first address follows the weights") {
    Lb lb(
        pool(LbMethod::Wrr, {member("10.0.0.1", 1), member("10.0.0.2", 2), member("10.0.0.3", 3)}));
    auto s = shares(lb, {Up, Up, Up}, 60000);
    CHECK(s[0] == Approx(1.0 / 6).margin(0.01));
    CHECK(s[1] == Approx(2.0 / 6).margin(0.01));
    CHECK(s[2] == Approx(3.0 / 6).margin(0.01));
}

TEST_CASE("wrr: a down member's share goes to the others in proportion") {
    Lb lb(
        pool(LbMethod::Wrr, {member("10.0.0.1", 1), member("10.0.0.2", 2), member("10.0.0.3", 3)}));
    auto s = shares(lb, {Up, Down, Up}, 40000);
    CHECK(s[0] == Approx(0.25).margin(0.01));
    CHECK(s.count(1) == 0);
    CHECK(s[2] == Approx(0.75).margin(0.01));
}

namespace {
// How often each member is in the answer, per decision.
std::map<uint32_t, double> inclusion(Lb& lb, const std::vector<lb::Health>& health, int n) {
    std::map<uint32_t, double> out;
    for (int i = 0; i < n; ++i) {
        auto a = lb.decide(health).members;
        std::sort(a.begin(), a.end());
        REQUIRE(std::adjacent_find(a.begin(), a.end()) == a.end());
        for (uint32_t m : a) {
            out[m] += 1.0 / n;
        }
    }
    return out;
}
}  // namespace

TEST_CASE("wrr with several addresses: each member's share of the records is its weight") {
    // 1:1:3:3 drawing two: included 1/4, 1/4, 3/4, 3/4 of the time, so a quarter of the
    // records name each light member and three quarters the heavy ones.
    Lb lb(pool(LbMethod::Wrr,
               {member("10.0.0.1", 1), member("10.0.0.2", 1), member("10.0.0.3", 3),
                member("10.0.0.4", 3)},
               conf::Fallback::Any, 2));
    auto in = inclusion(lb, {Up, Up, Up, Up}, 40000);
    CHECK(in[0] == Approx(0.25).margin(0.01));
    CHECK(in[1] == Approx(0.25).margin(0.01));
    CHECK(in[2] == Approx(0.75).margin(0.01));
    CHECK(in[3] == Approx(0.75).margin(0.01));
}

TEST_CASE("wrr with several addresses: a member worth a whole slot is always answered") {
    // 1:1:2 drawing two: the heavy member is in every answer, the others share the other slot.
    Lb lb(pool(LbMethod::Wrr, {member("10.0.0.1", 1), member("10.0.0.2", 1), member("10.0.0.3", 2)},
               conf::Fallback::Any, 2));
    auto in = inclusion(lb, {Up, Up, Up}, 20000);
    CHECK(in[2] == Approx(1.0));
    CHECK(in[0] == Approx(0.5).margin(0.015));
    // 1:3 drawing two from two members: both, every time (weights cannot show in one RRset).
    Lb two(pool(LbMethod::Wrr, {member("10.0.0.1", 1), member("10.0.0.2", 3)}, conf::Fallback::Any,
                2));
    auto both = inclusion(two, {Up, Up}, 100);
    CHECK(both[0] == Approx(1.0));
    CHECK(both[1] == Approx(1.0));
}

TEST_CASE("the same seed draws the same answers") {
    auto make = [] {
        return Lb(pool(LbMethod::Wrr, {member("10.0.0.1", 1), member("10.0.0.2", 3)}));
    };
    Lb a = make(), b = make();
    for (int i = 0; i < 100; ++i) {
        REQUIRE(a.decide({Up, Up}).members == b.decide({Up, Up}).members);
    }
}

TEST_CASE("fallback any spreads over every weight>0 member by weight, for every method") {
    for (auto method : {LbMethod::Wrr, LbMethod::FoGroup, LbMethod::CHash}) {
        INFO(conf::toString(method));
        Lb lb(pool(method, {member("10.0.0.1", 1), member("10.0.0.2", 3), member("10.0.0.3", 0)}));
        std::map<uint32_t, int> first;
        for (int i = 0; i < 20000; ++i) {
            auto a = lb.decide({Down, Down, Up}, "192.0.2.1", "198.51.100.0/24");
            REQUIRE(a.fallback);
            REQUIRE(a.scope_prefix == 0);  // the same for every client: cacheable
            ++first[a.members.at(0)];
        }
        CHECK(first[0] / 20000.0 == Approx(0.25).margin(0.015));
        CHECK(first[1] / 20000.0 == Approx(0.75).margin(0.015));
        CHECK(first.count(2) == 0);
    }
}

TEST_CASE("answers that do not depend on the client carry no scope") {
    for (auto method : {LbMethod::Wrr, LbMethod::FoGroup}) {
        Lb lb(pool(method, {member("10.0.0.1"), member("10.0.0.2")}));
        CHECK(lb.scopeMask({Up, Up}, "192.0.2.1") == 0);
        CHECK(lb.scopeMask({Up, Up}, "192.0.2.1", "10.2.0.0/24") == 0);
    }
}

TEST_CASE("weight 0 members are never answered and do not make a pool up") {
    Lb any(pool(LbMethod::Wrr, {member("10.0.0.1", 0), member("10.0.0.2", 1)}));
    auto a = any.decide({Up, Down});
    CHECK(a.fallback);
    CHECK(a.members == Members{1});
    Lb refuse(pool(LbMethod::Wrr, {member("10.0.0.1", 0), member("10.0.0.2", 1)},
                   conf::Fallback::Refuse));
    auto r = refuse.decide({Up, Down});
    CHECK(r.refused);
    CHECK(r.members.empty());
    CHECK(refuse.decide({Up, Up}).members == Members{1});
}

TEST_CASE("wrr returns max_addrs_returned distinct members, never a duplicate") {
    std::vector<conf::Member> five;
    for (int i = 1; i <= 5; ++i) {
        five.push_back(member("10.0.0." + std::to_string(i), i));
    }
    Lb three(pool(LbMethod::Wrr, five, conf::Fallback::Any, 3));
    Lb ten(pool(LbMethod::Wrr, five, conf::Fallback::Any, 10));
    for (int q = 0; q < 100; ++q) {
        auto a = three.decide({Up, Up, Up, Up, Up}).members;
        auto b = ten.decide({Up, Up, Up, Up, Up}).members;
        CHECK(a.size() == 3);
        CHECK(b.size() == 5);
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        CHECK(std::adjacent_find(a.begin(), a.end()) == a.end());
        CHECK(std::adjacent_find(b.begin(), b.end()) == b.end());
    }
}

TEST_CASE("a trace says why members were skipped and what was answered") {
    Lb lb(pool(LbMethod::FoGroup, {member("10.1.0.5"), member("10.2.0.5", 0), member("10.3.0.5")}));
    lb::Answer answer;
    lb::Trace trace;
    lb::Client client;
    client.resolver = ip("192.0.2.1");
    lb.balancer->decide(std::vector<lb::Health>{Down, Up, Up}, client, lb.sampler, answer, &trace);
    std::string text = lb::formatTrace(lb.pool, lb.topology, trace, answer, client);
    CHECK_THAT(text, Catch::Contains("skipped m-10.1.0.5 10.1.0.5: down"));
    CHECK_THAT(text, Catch::Contains("skipped m-10.2.0.5 10.2.0.5: weight 0"));
    CHECK_THAT(text, Catch::Contains("answer: 10.3.0.5"));
    CHECK_THAT(text, Catch::Contains("client 192.0.2.1 from the resolver (no ECS)"));
    CHECK_THAT(text, Catch::Contains("the same answer for every client: pdns may cache it"));
}

TEST_CASE("drained members are never answered, not even by fallback any") {
    for (auto method : {LbMethod::Wrr, LbMethod::FoGroup, LbMethod::CHash}) {
        INFO(conf::toString(method));
        Lb lb(pool(method, {member("10.0.0.1"), member("10.0.0.2"), member("10.0.0.3")}));
        for (int i = 0; i < 50; ++i) {
            auto up = lb.decide({lb::Health::Drained, Up, Up}, "192.0.2.1");
            CHECK(std::find(up.members.begin(), up.members.end(), 0u) == up.members.end());
            auto fallback = lb.decide({lb::Health::Drained, Down, Down}, "192.0.2.1");
            CHECK(fallback.fallback);
            CHECK(fallback.members.size() == 1);
            CHECK(fallback.members[0] != 0);
        }
        auto none = lb.decide({lb::Health::Drained, lb::Health::Drained, lb::Health::Drained});
        CHECK(none.members.empty());
        CHECK_FALSE(none.refused);
    }
}
