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
    auto a = lb.decide({Down, Down});
    auto b = lb.decide({Down, Down});
    CHECK(a.fallback);
    REQUIRE(a.members.size() == 1);
    REQUIRE(b.members.size() == 1);
    CHECK(a.members[0] != b.members[0]);  // fallback any spreads over both
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

TEST_CASE("wrr shares are exact over whole cycles") {
    Lb lb(
        pool(LbMethod::Wrr, {member("10.0.0.1", 1), member("10.0.0.2", 2), member("10.0.0.3", 3)}));
    auto counts = lb.firsts({Up, Up, Up}, 6 * 50);
    CHECK(counts[0] == 50);
    CHECK(counts[1] == 100);
    CHECK(counts[2] == 150);
}

TEST_CASE("wrr shares stay exact when a member is down, and across health flips") {
    Lb lb(
        pool(LbMethod::Wrr, {member("10.0.0.1", 1), member("10.0.0.2", 2), member("10.0.0.3", 3)}));
    auto down = lb.firsts({Up, Down, Up}, 4 * 50);
    CHECK(down[0] == 50);
    CHECK(down[1] == 0);
    CHECK(down[2] == 150);
    // Flip to all up for a while, then back: whole cycles still split 1:3.
    lb.firsts({Up, Up, Up}, 7);
    auto again = lb.firsts({Up, Down, Up}, 4 * 50);
    CHECK(again[0] == 50);
    CHECK(again[2] == 150);
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
    lb.balancer->decide(std::vector<lb::Health>{Down, Up, Up}, client, answer, &trace);
    std::string text = lb::formatTrace(lb.pool, lb.topology, trace, answer);
    CHECK_THAT(text, Catch::Contains("skipped m-10.1.0.5 10.1.0.5: down"));
    CHECK_THAT(text, Catch::Contains("skipped m-10.2.0.5 10.2.0.5: weight 0"));
    CHECK_THAT(text, Catch::Contains("answer: 10.3.0.5"));
    CHECK_THAT(text, Catch::Contains("client 192.0.2.1 from the resolver (no ECS)"));
}
