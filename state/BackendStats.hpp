#pragma once
// The backend's counters in a POSIX shared-memory block (`<health.table>-backend`, mode 0640),
// written by pharos-backend alone and read by the prober's HTTP endpoint and by pharosctl:
//
//   StatsHeader (pid, start, reloads, the configuration's layout hash, counts)
//   BackendCounters (totals, the service-time histogram)
//   NameCounters[globalname_count]   in conf::Config::globalnames order
//   Counter answers[slot_count]      records naming each member, by health-table slot
//
// A reload publishes a new block under the same name (the health table's way: build aside,
// rename, retire the old one), carrying the counts over.
#include <cstdint>
#include <string>
#include <vector>

#include "conf/Config.hpp"
#include "state/BackendCounters.hpp"
#include "state/SharedMemory.hpp"

namespace pharos::state {

constexpr uint64_t kStatsMagic = 0x5342534f52414850ULL;  // "PHAROSBS" little-endian
constexpr uint32_t kStatsVersion = 2;                    // 2: refused_connections

struct StatsHeader {
    std::atomic<uint64_t> magic;  // written last: a reader that sees it sees the rest
    uint32_t version;
    uint32_t globalname_count;
    uint32_t slot_count;
    int32_t pid;
    uint64_t layout_hash;
    int64_t started_ms;              // the process's start, CLOCK_REALTIME
    std::atomic<int64_t> loaded_ms;  // this configuration's load
    Counter reloads;                 // successful reloads since the start
    Counter reload_failures;         // rejected reloads since the start
    std::atomic<uint32_t> retired;   // a newer block replaced this one
};

// Where each part of a block starts, from its header's counts.
struct StatsLayout {
    size_t counters;
    size_t names;
    size_t answers;
    size_t bytes;
    static StatsLayout of(uint32_t globalnames, uint32_t slots);
};

std::string statsBlockName(const conf::Settings& settings);

class BackendStats {
  public:
    // Builds a block for `config` to publish under `name`, or keeps it in process memory when
    // `name` is empty (tests, benchmarks). `previous` (this process's block before a reload,
    // with its configuration) hands over its counts per name and member, by identity; its
    // totals are handed over by carryTotals() when the block is installed. Until publish(),
    // readers of `name` still see the previous block: a reload is built on another thread
    // while lookups count into the block in use.
    BackendStats(const std::string& name, const std::string& group, const conf::Config& config,
                 int64_t started_ms, const BackendStats* previous = nullptr,
                 const conf::Config* previous_config = nullptr);
    ~BackendStats();
    BackendStats(const BackendStats&) = delete;
    BackendStats& operator=(const BackendStats&) = delete;

    StatsHeader& header() { return *header_; }
    const StatsHeader& header() const { return *header_; }
    BackendCounters& counters() { return *counters_; }
    const BackendCounters& counters() const { return *counters_; }
    NameCounters& name(size_t globalname) { return names_[globalname]; }
    Counter& answers(uint32_t slot) { return answers_[slot]; }
    // The totals of `previous` (reloads, queries, histograms), up to the moment of the call.
    void carryTotals(const BackendStats& previous);
    // Puts this block under its name and marks `previous` retired, so readers switch over.
    void publish(BackendStats* previous);

  private:
    void carryOver(const BackendStats& previous, const conf::Config& before,
                   const conf::Config& after);

    state::SharedMemory memory_;
    std::vector<uint64_t> heap_;  // backing store when not shared
    std::string name_, staging_;  // staging_ is empty once published
    StatsHeader* header_ = nullptr;
    BackendCounters* counters_ = nullptr;
    NameCounters* names_ = nullptr;
    Counter* answers_ = nullptr;
};

}  // namespace pharos::state
