#pragma once
// What the prober counts for /metrics: checks, failures by reason, probe latency by pool, state
// changes by member, and how late the schedule hands out due checks. The Prober owns it, so the
// counts outlive reloads; only the io thread touches it (the probes and the HTTP endpoint run
// there).
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

#include "state/HealthTableLayout.hpp"

namespace pharos::health {

// Counts of values at or under each of N bounds (not cumulative: /metrics adds them up), and
// over them all in the last bucket.
template <size_t N>
struct Histogram {
    std::array<uint64_t, N + 1> buckets{};
    uint64_t count = 0;
    double sum = 0;

    void record(const std::array<double, N>& bounds, double value) {
        size_t b = 0;
        while (b < N && value > bounds[b]) {
            ++b;
        }
        ++buckets[b];
        ++count;
        sum += value;
    }
};

struct ProbeCounters {
    static constexpr std::array<double, 12> kLatencyBounds = {
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
    // From "on time" (the timer's own latency) to "several intervals behind" at 0.1 s probes,
    // or a tenth of one at the default 10 s.
    static constexpr std::array<double, 7> kScheduleDelayBounds = {0.001, 0.01, 0.05, 0.1,
                                                                   0.5,   1,    5};
    using Latency = Histogram<kLatencyBounds.size()>;
    using ScheduleDelay = Histogram<kScheduleDelayBounds.size()>;

    uint64_t checks = 0;
    std::array<uint64_t, state::kFailureReasons> failures{};  // by state::FailureReason
    std::map<std::string, Latency> latency;                   // by pool name
    std::unordered_map<uint64_t, uint64_t> transitions;       // by state::memberKey(pool, address)
    // How long after its due time each check was handed to the prober: the event loop's lag
    // (a loop busy with other work, or with more checks than it can start), not a member's
    // slowness: a tick that waits for its member's previous check is not counted again.
    ScheduleDelay schedule_delay;
    // Checks that started past what their interval allows (health/LoadWatch), ticks lost
    // because the member's check still waited for a slot, and failures by timeout not counted
    // against a member because the prober's own loop stalled while measuring them.
    uint64_t checks_late = 0;
    uint64_t checks_skipped = 0;
    uint64_t failures_discounted = 0;

    // The prober's load as the running probe run last reviewed it (once a second).
    struct Load {
        bool behind = false;
        int64_t behind_since_ms = 0;  // CLOCK_REALTIME, when it fell behind
        double lateness_s = 0;        // how late checks start (or wait) now
        double worst_lateness_s = 0;  // the worst since it fell behind
        double loop_lag_s = 0;        // the event loop's longest lag in the last second
        uint64_t in_flight = 0;
        uint64_t waiting = 0;
        uint64_t max_in_flight = 0;
        uint64_t members_stale = 0;
    };
    Load load;

    void recordProbe(const std::string& pool, double seconds, bool pass,
                     state::FailureReason reason) {
        ++checks;
        if (!pass) {
            ++failures[size_t(reason) % failures.size()];
        }
        latency[pool].record(kLatencyBounds, seconds);
    }

    void recordScheduleDelay(double seconds) {
        schedule_delay.record(kScheduleDelayBounds, seconds);
    }
};

}  // namespace pharos::health
