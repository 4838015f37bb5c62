// health/LoadWatch: when the prober's own stalls excuse a timeout, and when it is behind.
#include <catch2/catch.hpp>

#include "health/LoadWatch.hpp"

using namespace std::chrono_literals;
using pharos::health::LoadWatch;

namespace {

LoadWatch::TimePoint at(std::chrono::milliseconds ms) {
    return LoadWatch::TimePoint(ms);
}

}  // namespace

TEST_CASE("load watch: a stall during the check excuses its timeout, one before it does not") {
    LoadWatch w;
    w.loopRan(at(1000ms), 5ms);     // ordinary jitter: not even recorded
    w.loopRan(at(3000ms), 1500ms);  // the loop could not run from 1.5 s to 3 s
    // A check started at 2 s (inside the stall) with a 1 s timeout: the stall ate it.
    CHECK(w.distorted(at(2000ms), 1000ms, 0ms));
    // One started at 3.5 s, after the stall ended: its timeout is the member's.
    CHECK_FALSE(w.distorted(at(3500ms), 1000ms, 0ms));
    // A stall still going on when the timeout is handled counts too.
    CHECK(w.distorted(at(3500ms), 1000ms, 400ms));
    CHECK_FALSE(w.distorted(at(3500ms), 1000ms, 200ms));  // a quarter of the timeout is allowed
}

TEST_CASE("load watch: a stall shorter than a quarter of the timeout excuses nothing") {
    LoadWatch w;
    w.loopRan(at(1100ms), 90ms);  // a cgroup quota's period
    CHECK_FALSE(w.distorted(at(1000ms), 5000ms, 0ms));
    CHECK(w.distorted(at(1000ms), 200ms, 0ms));
    // The floor: scheduling jitter never excuses even a tiny timeout.
    LoadWatch jitter;
    jitter.loopRan(at(1100ms), 15ms);
    CHECK_FALSE(jitter.distorted(at(1000ms), 40ms, 0ms));
    CHECK(LoadWatch().longestStallSince(at(0ms), 0ms) == 0ms);
}

TEST_CASE("load watch: the longest of several stalls since the start counts") {
    LoadWatch w;
    w.loopRan(at(2000ms), 900ms);
    w.loopRan(at(2500ms), 20ms);
    CHECK(w.longestStallSince(at(1500ms), 0ms) == 900ms);
    CHECK(w.longestStallSince(at(2100ms), 0ms) == 20ms);
    for (int i = 0; i < 300; ++i) {  // the ring forgets the oldest, keeps the newest
        w.loopRan(at(3000ms + i * 100ms), 30ms);
    }
    CHECK(w.longestStallSince(at(1500ms), 0ms) == 30ms);
}

TEST_CASE("load watch: behind on lag, a late start, a skip or a wait; caught up after 5 s") {
    LoadWatch w;
    CHECK(w.review(at(1000ms), 0ms) == LoadWatch::Change::None);
    CHECK_FALSE(w.behind());

    w.loopRan(at(1900ms), 100ms);  // lag under 250 ms alone is not behind
    CHECK(w.review(at(2000ms), 0ms) == LoadWatch::Change::None);

    w.checkStarted(300ms, true);
    CHECK(w.review(at(3000ms), 0ms) == LoadWatch::Change::FellBehind);
    CHECK(w.behind());
    CHECK(w.lateness() == 300ms);
    CHECK(w.behindSince() == at(3000ms));

    // Still behind while checks wait; the wait is the lateness reported.
    CHECK(w.review(at(4000ms), 2s) == LoadWatch::Change::None);
    CHECK(w.lateness() == 2s);
    CHECK(w.worstLateness() == 2s);

    w.checkSkipped();
    CHECK(w.review(at(5000ms), 0ms) == LoadWatch::Change::None);
    // Quiet from here: not caught up until 5 s after the last signal (5 s).
    for (int s = 6; s < 10; ++s) {
        CHECK(w.review(at(std::chrono::milliseconds(s * 1000)), 0ms) == LoadWatch::Change::None);
        CHECK(w.behind());
    }
    CHECK(w.review(at(10000ms), 0ms) == LoadWatch::Change::CaughtUp);
    CHECK_FALSE(w.behind());
    CHECK(w.lateness() == 0ms);

    w.loopRan(at(10900ms), 400ms);
    CHECK(w.review(at(11000ms), 0ms) == LoadWatch::Change::FellBehind);
    CHECK(w.loopLag() == 400ms);
    CHECK(w.worstLateness() == 400ms);  // a new episode starts its own worst
}

TEST_CASE("load watch: a check started late but within its allowance is not behind") {
    LoadWatch w;
    w.checkStarted(200ms, false);
    CHECK(w.review(at(1000ms), 0ms) == LoadWatch::Change::None);
    CHECK(w.lateness() == 200ms);
}
