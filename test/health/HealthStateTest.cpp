#include <catch2/catch.hpp>

#include "health/HealthState.hpp"

using pharos::health::HealthState;
using pharos::state::MemberState;

namespace {
// Feeds a string of results: '+' pass, '-' fail; returns the states after each.
std::string run(HealthState& s, const std::string& results, int64_t& t) {
    std::string states;
    for (char c : results) {
        s.record(c == '+', t += 1000);
        states += s.state() == MemberState::Up ? 'U' : s.state() == MemberState::Down ? 'D' : '?';
    }
    return states;
}
}  // namespace

TEST_CASE("the first result decides the first state at once") {
    int64_t t = 1;
    HealthState a(2, 1, 10000);
    CHECK(a.state() == MemberState::Unknown);
    CHECK(run(a, "+", t) == "U");
    HealthState b(2, 1, 10000);
    CHECK(run(b, "-", t) == "D");
}

TEST_CASE("Polaris counting: down after retries+1 failures, one success brings it back") {
    int64_t t = 1;
    HealthState s(2, 1, 10000);
    CHECK(run(s, "+--+---+", t) == "UUUUUUDU");
    HealthState zero(0, 1, 10000);
    CHECK(run(zero, "+-+", t) == "UDU");
    HealthState five(5, 1, 10000);
    CHECK(run(five, "+-----", t) == "UUUUUU");
    CHECK(run(five, "-", t) == "D");
}

TEST_CASE("rise damps the way back up") {
    int64_t t = 1;
    HealthState s(0, 3, 10000);
    CHECK(run(s, "+-++-+++", t) == "UDDDDDDU");
    CHECK(s.consecutiveOk() == 3);
    CHECK(s.consecutiveFail() == 0);
}

TEST_CASE("record reports changes only") {
    HealthState s(1, 1, 10000);
    CHECK(s.record(true, 1));
    CHECK_FALSE(s.record(true, 2));
    CHECK_FALSE(s.record(false, 3));
    CHECK(s.record(false, 4));
    CHECK_FALSE(s.record(false, 5));
    CHECK(s.record(true, 6));
}

TEST_CASE("flapping: four changes within the window, forgotten after it") {
    HealthState s(0, 1, 1000);  // window: max(20 x interval, 60 s) = 60 s
    int64_t t = 1000;
    run(s, "+-+-", t);  // U, then 3 changes
    CHECK_FALSE(s.flapping(t));
    run(s, "+", t);
    CHECK(s.recentChanges(t) == 4);
    CHECK(s.flapping(t));
    CHECK_FALSE(s.flapping(t + 61000));
}

TEST_CASE("restore continues the counting of an earlier table") {
    int64_t t = 1;
    HealthState s(2, 1, 10000);
    s.restore(MemberState::Up, 0, 2);
    CHECK(run(s, "-", t) == "D");
    HealthState d(2, 2, 10000);
    d.restore(MemberState::Down, 1, 0);
    CHECK(run(d, "+", t) == "U");
}
