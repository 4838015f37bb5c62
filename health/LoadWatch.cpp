#include "health/LoadWatch.hpp"

#include <algorithm>

namespace pharos::health {

void LoadWatch::loopRan(TimePoint now, Duration lag) {
    window_lag_ = std::max(window_lag_, lag);
    if (lag >= kStallFloor) {
        stalls_[next_stall_] = {now, lag};
        next_stall_ = (next_stall_ + 1) % stalls_.size();
    }
}

void LoadWatch::checkStarted(Duration lateness, bool late) {
    window_lateness_ = std::max(window_lateness_, lateness);
    window_late_ = window_late_ || late;
}

void LoadWatch::checkSkipped() {
    window_skipped_ = true;
}

LoadWatch::Duration LoadWatch::longestStallSince(TimePoint since, Duration ongoing) const {
    Duration longest = ongoing;
    for (const Stall& s : stalls_) {
        if (s.lag > Duration::zero() && s.end >= since) {
            longest = std::max(longest, s.lag);
        }
    }
    return longest;
}

// A quarter of the timeout: a stall that long makes the measure meaningless for a member near
// its limit, and a loop that keeps up never stalls more than a few milliseconds. The floor
// keeps a tick's own scheduling jitter from excusing a short timeout.
bool LoadWatch::distorted(TimePoint started, Duration timeout, Duration ongoing) const {
    Duration allowed = std::max<Duration>(timeout / 4, std::chrono::milliseconds(20));
    return longestStallSince(started, ongoing) > allowed;
}

LoadWatch::Change LoadWatch::review(TimePoint now, Duration oldest_waiting) {
    loop_lag_ = window_lag_;
    lateness_ = std::max({window_lateness_, oldest_waiting, window_lag_});
    bool signal =
        window_late_ || window_skipped_ || window_lag_ > kLagBehind || oldest_waiting > kLagBehind;
    window_lag_ = window_lateness_ = Duration::zero();
    window_late_ = window_skipped_ = false;
    if (signal) {
        last_signal_ = now;
        worst_ = behind_ ? std::max(worst_, lateness_) : lateness_;
        if (!behind_) {
            behind_ = true;
            behind_since_ = now;
            return Change::FellBehind;
        }
        return Change::None;
    }
    if (behind_ && now - last_signal_ >= kCatchUp) {
        behind_ = false;
        return Change::CaughtUp;
    }
    return Change::None;
}

}  // namespace pharos::health
