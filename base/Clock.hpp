#pragma once
// The wall clock, in one place. Deadlines and intervals use std::chrono::steady_clock; the wall
// clock is for what is shared or shown: the table's heartbeat and change times, `--until`,
// maintenance windows, webhook times.
#include <time.h>

#include <cstdint>

namespace pharos::base {

// CLOCK_REALTIME in milliseconds since the epoch.
inline int64_t realtimeMs() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// The same clock at the kernel tick's resolution, read through the vDSO without a system call:
// for the lookup path, where a few milliseconds do not matter.
inline int64_t coarseRealtimeMs() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// CLOCK_MONOTONIC, coarse, in milliseconds: for a process's own measure of time passing, which
// steps of the wall clock do not move.
inline int64_t coarseMonotonicMs() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace pharos::base
