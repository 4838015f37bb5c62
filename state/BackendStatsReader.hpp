#pragma once
// The reading side of the backend's stats block: maps it read-only and follows it across the
// backend's reloads and restarts (a new object under the same name).
#include <memory>
#include <string>

#include "state/BackendStats.hpp"

namespace pharos::state {

class BackendStatsReader {
  public:
    explicit BackendStatsReader(std::string name);
    ~BackendStatsReader();

    // Maps the block, or re-maps it when the backend replaced it; false when there is none.
    bool refresh();
    const StatsHeader* header() const;
    const BackendCounters* counters() const;
    const NameCounters* names() const;  // header()->globalname_count of them
    const Counter* answers() const;     // header()->slot_count of them

  private:
    struct Mapping;
    std::string name_;
    std::unique_ptr<Mapping> map_;
};

}  // namespace pharos::state
