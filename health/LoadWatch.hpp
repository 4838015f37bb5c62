#pragma once
// Whether pharos-health keeps up with its own schedule, from what it measures of itself: the
// event loop's lag (a tick that should run every 100 ms, against when it does) and how late
// checks start against their due time. Pure logic fed with steady-clock times, so every
// threshold is testable without a loop.
//
// Why it exists: a prober starved of CPU (a noisy neighbour, a cgroup quota, SIGSTOP, a fleet
// too large for its core) measures its own slowness as members' timeouts. A timeout measured
// while the loop itself stalled says nothing about the member, so it must not count against it;
// and operators must see that the prober, not the fleet, is behind.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace pharos::health {

class LoadWatch {
  public:
    using Clock = std::chrono::steady_clock;
    using Duration = Clock::duration;
    using TimePoint = Clock::time_point;

    // A loop lag over this, or any check started late, is "behind schedule".
    static constexpr Duration kLagBehind = std::chrono::milliseconds(250);
    // Behind until this long passes with no lateness: one log line per episode, not per flicker.
    static constexpr Duration kCatchUp = std::chrono::seconds(5);

    // The loop ran its tick at `now`, `lag` after the tick was due.
    void loopRan(TimePoint now, Duration lag);
    // A check started `lateness` after it was due; `late`: past what its interval allows.
    void checkStarted(Duration lateness, bool late);
    // A member came due while its previous check still waited for a slot: that tick is lost.
    void checkSkipped();

    // The longest stall of the loop that overlapped [since, now]: recorded ticks that ended
    // after `since`, and `ongoing` (how overdue the tick is now, when the caller is running
    // before the tick could: a check's timer and the tick expire together after a stall).
    Duration longestStallSince(TimePoint since, Duration ongoing) const;
    // Whether a failure by timeout, of a check started at `started` with `timeout`, was
    // measured while the loop stalled long enough to have caused it.
    bool distorted(TimePoint started, Duration timeout, Duration ongoing) const;

    enum class Change { None, FellBehind, CaughtUp };
    // Once a second: closes the window of measures; `oldest_waiting`: how late the check that
    // has waited longest for a slot is now (zero when none waits).
    Change review(TimePoint now, Duration oldest_waiting);

    bool behind() const { return behind_; }
    TimePoint behindSince() const { return behind_since_; }
    // The last window's worst: how late checks started (or wait), and the loop's longest lag.
    Duration lateness() const { return lateness_; }
    Duration loopLag() const { return loop_lag_; }
    // Over the current episode (since it fell behind): the worst lateness.
    Duration worstLateness() const { return worst_; }

  private:
    struct Stall {
        TimePoint end;
        Duration lag;
    };
    // Ticks that ran 10 ms late or more; 256 cover the longest timeout even if every tick is late.
    static constexpr Duration kStallFloor = std::chrono::milliseconds(10);
    std::array<Stall, 256> stalls_{};
    size_t next_stall_ = 0;

    Duration window_lag_{};
    Duration window_lateness_{};
    bool window_late_ = false;
    bool window_skipped_ = false;

    bool behind_ = false;
    TimePoint behind_since_{};
    TimePoint last_signal_{};
    Duration lateness_{};
    Duration loop_lag_{};
    Duration worst_{};
};

}  // namespace pharos::health
