#pragma once
// What the backend has seen, for logs now and for metrics and `pharosctl status` later.
#include <algorithm>
#include <array>
#include <cstdint>

namespace pharos::backend {

struct BackendCounters {
    uint64_t requests = 0;
    uint64_t lookups = 0;
    uint64_t lookup_hits = 0;        // lookups for a globalname
    uint64_t fast_path = 0;          // lookups read without the JSON parser
    uint64_t fail_open_answers = 0;  // answered as if every member were up
    uint64_t fallback_answers = 0;   // pool had no eligible member: fallback any
    uint64_t refused_answers = 0;    // fallback refuse: no records
    uint64_t malformed = 0;          // not JSON, or wrong shapes/types
    uint64_t unknown_methods = 0;
    uint64_t oversized = 0;  // request longer than the bound; connection closed
    uint64_t connections = 0;
    uint64_t closed_mid_request = 0;  // peer closed with part of a request unanswered
    // Server time from a request's arrival to its reply being handed to the socket, in 50 ns
    // buckets up to 100 us; the last bucket holds everything slower.
    static constexpr uint32_t kServiceBucketNs = 50;
    std::array<uint64_t, 2001> service_time{};
    void recordServiceNs(uint64_t ns) {
        ++service_time[std::min<uint64_t>(ns / kServiceBucketNs, service_time.size() - 1)];
    }
    // The time below which `fraction` of the recorded requests were served, in ns.
    uint64_t servicePercentileNs(double fraction) const;
};

}  // namespace pharos::backend
