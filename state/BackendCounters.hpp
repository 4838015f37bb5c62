#pragma once
// What pharos-backend counts, laid out to live in shared memory (BackendStats.hpp) so that the
// HTTP endpoint in another process reads it with no I/O on the lookup path. The backend is the
// only writer: each count is a relaxed load and store, not a locked add.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>

namespace pharos::state {

class Counter {
  public:
    Counter& operator++() { return *this += 1; }
    Counter& operator+=(uint64_t n) {
        value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
        return *this;
    }
    void set(uint64_t v) { value_.store(v, std::memory_order_relaxed); }
    operator uint64_t() const { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<uint64_t> value_{0};
};
static_assert(sizeof(Counter) == 8);

struct BackendCounters {
    Counter requests;
    Counter lookups;      // remote-backend lookups (pdns sends two per A query: see queries)
    Counter queries;      // lookups less the second of each identical pair pdns sends
    Counter lookup_hits;  // lookups for a globalname
    Counter fast_path;    // lookups read without the JSON parser
    Counter initialize;
    Counter get_all_domains;
    Counter other_methods;      // methods pharos answers "nothing here"
    Counter unknown_methods;    // methods pharos does not know
    Counter fail_open_answers;  // answered as if every member were up
    Counter fallback_answers;   // pool had no eligible member: fallback any
    Counter refused_answers;    // fallback refuse: no records
    Counter malformed;          // not JSON, or wrong shapes/types
    Counter oversized;          // request longer than the bound; connection closed
    Counter connections;        // accepted
    Counter connections_closed;
    Counter refused_connections;  // over backend.max_connections: closed at once
    Counter closed_mid_request;   // peer closed with part of a request unanswered
    // Server time from a request's arrival to its reply being handed to the socket, in 50 ns
    // buckets up to 100 us; the last bucket holds everything slower.
    static constexpr uint32_t kServiceBucketNs = 50;
    std::array<Counter, 2001> service_time{};
    Counter service_time_sum_ns;
    void recordServiceNs(uint64_t ns) {
        ++service_time[std::min<uint64_t>(ns / kServiceBucketNs, service_time.size() - 1)];
        service_time_sum_ns += ns;
    }
    // The time below which `fraction` of the recorded requests were served, in ns.
    uint64_t servicePercentileNs(double fraction) const;
    // How many requests took at most `ns` (a multiple of kServiceBucketNs, up to 100 us).
    uint64_t servedWithinNs(uint64_t ns) const;
};

// Nothing but Counters, so a block can be copied counter by counter (BackendStats::carryTotals).
static_assert(sizeof(BackendCounters) % sizeof(Counter) == 0);

// Per globalname, indexed like conf::Config::globalnames.
struct NameCounters {
    Counter queries;
    Counter fallback;
    Counter refused;
    Counter fail_open;
};

}  // namespace pharos::state
