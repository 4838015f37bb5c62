// state/HeartbeatWatch: a step of the host's wall clock neither kills a live prober nor
// revives a dead one in the eyes of the backend.
#include <catch2/catch.hpp>

#include "state/HeartbeatWatch.hpp"

using pharos::state::HeartbeatWatch;

namespace {

constexpr int64_t kStale = 10000;
constexpr int64_t kMinutes5 = 5 * 60 * 1000;

struct Host {
    int64_t wall = 1'800'000'000'000;  // CLOCK_REALTIME, ms
    int64_t mono = 1'000'000;          // CLOCK_MONOTONIC, ms
    int64_t heartbeat = 0;             // what the prober wrote last
    HeartbeatWatch watch;

    // In 500 ms beats, as the prober writes, with the backend looking at every beat (it
    // looks at every lookup).
    void pass(int64_t ms, bool prober_alive) {
        for (int64_t t = 0; t < ms; t += 500) {
            wall += 500;
            mono += 500;
            if (prober_alive) {
                heartbeat = wall;
            }
            age();
        }
    }
    int64_t age() {
        return watch.age(heartbeat, wall, kStale, [this] { return mono; });
    }
};

}  // namespace

TEST_CASE("heartbeat watch: the wall clock's age while it is in line") {
    Host h;
    h.pass(2000, true);
    CHECK(h.age() == 0);
    h.pass(3000, false);
    CHECK(h.age() == 3000);
    h.pass(8000, false);
    CHECK(h.age() == 11000);  // dead: stale, as by the wall clock
}

TEST_CASE("heartbeat watch: a live prober stays fresh when the clock steps forward") {
    Host h;
    h.pass(2000, true);
    CHECK(h.age() == 0);
    h.wall += kMinutes5;  // the step, before the prober's next beat
    CHECK(h.age() <= 500);
    h.pass(500, true);
    CHECK(h.age() == 0);
}

TEST_CASE("heartbeat watch: a dead prober goes stale even if the clock steps back") {
    Host h;
    h.pass(2000, true);
    h.age();
    h.pass(1000, false);  // the prober dies
    h.wall -= kMinutes5;  // and the clock steps back: by the wall, its beat is in the future
    h.pass(6000, false);
    CHECK(h.age() == 7000);
    h.pass(4000, false);
    CHECK(h.age() > kStale);
}

TEST_CASE("heartbeat watch: a live prober is fresh after the clock steps back") {
    Host h;
    h.pass(2000, true);
    h.age();
    h.wall -= kMinutes5;
    CHECK(h.age() <= 500);
    h.pass(500, true);
    CHECK(h.age() == 0);
}

TEST_CASE("heartbeat watch: a table found already dead is judged by the wall clock") {
    Host h;
    h.heartbeat = h.wall - 60000;  // written a minute before this reader started
    CHECK(h.age() == 60000);
}
