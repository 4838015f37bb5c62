#pragma once
// The reading side of the backend's stats block: maps it read-only and follows it across the
// backend's reloads and restarts (a new object under the same name).
#include <string>

#include "state/BackendStats.hpp"
#include "state/ShmFollower.hpp"

namespace pharos::state {

class BackendStatsReader {
  public:
    explicit BackendStatsReader(std::string name);

    // Maps the block, or re-maps it when the backend replaced it; false when there is none.
    bool refresh();
    const StatsHeader* header() const;
    const BackendCounters* counters() const;
    const NameCounters* names() const;  // header()->globalname_count of them
    const Counter* answers() const;     // header()->slot_count of them

  private:
    const char* at(size_t offset) const;

    ShmFollower block_;
    StatsLayout layout_{};  // of the mapped block
};

}  // namespace pharos::state
