#pragma once
// Whether the prober's heartbeat still moves, for a reader that keeps watching the table (the
// backend). The heartbeat is wall-clock time, because people read it; against the wall clock
// alone, a step of the host's clock would make a live prober look dead for up to its 500 ms
// beat (forward: the backend would fail open, answering members that are down) or a dead one
// look alive for as long as the step (back). When the wall clock disagrees with the beat, the
// reader judges by how long, on its own monotonic clock, the value has not changed.
#include <cstdint>

namespace pharos::state {

class HeartbeatWatch {
  public:
    // The age to judge the table's staleness by, at `now_ms` (CLOCK_REALTIME). `monotonic_ms`
    // reads the reader's CLOCK_MONOTONIC, called only when the heartbeat changes or the wall
    // clock is out of line (tests pass their own).
    template <typename Monotonic>
    int64_t age(int64_t heartbeat_ms, int64_t now_ms, int64_t stale_after_ms,
                Monotonic monotonic_ms) {
        if (heartbeat_ms != last_) {
            moved_ = seen_;
            seen_ = true;
            last_ = heartbeat_ms;
            moved_at_ = monotonic_ms();
        }
        int64_t wall = now_ms - heartbeat_ms;
        if ((wall >= 0 && wall <= stale_after_ms) || !moved_) {
            return wall;  // in line, or never seen moving: the wall clock is all there is
        }
        return monotonic_ms() - moved_at_;
    }

  private:
    int64_t last_ = 0;
    int64_t moved_at_ = 0;
    bool seen_ = false;
    bool moved_ = false;
};

}  // namespace pharos::state
