#pragma once
// What the prober counts for /metrics: checks, failures by reason, probe latency by pool, state
// changes by member. The Prober owns it, so the counts outlive reloads; only the io thread
// touches it (the probes and the HTTP endpoint run there).
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

#include "state/HealthTableLayout.hpp"

namespace pharos::health {

struct ProbeCounters {
    static constexpr std::array<double, 12> kLatencyBounds = {
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
    struct Latency {
        std::array<uint64_t, kLatencyBounds.size() + 1> buckets{};  // the last: above them all
        uint64_t count = 0;
        double sum = 0;
    };

    uint64_t checks = 0;
    std::array<uint64_t, state::kFailureReasons> failures{};  // by state::FailureReason
    std::map<std::string, Latency> latency;                   // by pool name
    std::unordered_map<uint64_t, uint64_t> transitions;       // by state::memberKey(pool, address)

    void recordProbe(const std::string& pool, double seconds, bool pass,
                     state::FailureReason reason) {
        ++checks;
        if (!pass) {
            ++failures[size_t(reason) % failures.size()];
        }
        Latency& l = latency[pool];
        size_t b = 0;
        while (b < kLatencyBounds.size() && seconds > kLatencyBounds[b]) {
            ++b;
        }
        ++l.buckets[b];
        ++l.count;
        l.sum += seconds;
    }
};

}  // namespace pharos::health
