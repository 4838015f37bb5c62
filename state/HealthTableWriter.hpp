#pragma once
// The writing half of the health table, owned by pharos-health. Each instance is one shared-
// memory object built for one configuration; a reload builds a new one beside it, publishes it
// under the table's name with an atomic rename and retires the old one, so readers switch at
// once and never see a half-built table.
#include <cstdint>
#include <string>

#include "conf/Config.hpp"
#include "state/HealthTableLayout.hpp"
#include "state/SharedMemory.hpp"

namespace pharos::state {

// Identifies a member across configurations: its pool's name and its address (or cname).
uint64_t memberKey(const std::string& pool, const conf::Member& m);

class HealthTableWriter {
  public:
    // Builds and publishes a table for `config`. Verdicts of members that exist in the table
    // currently published under the name (a previous prober, or the previous configuration)
    // are carried over, so neither a restart nor a reload resets what is known.
    HealthTableWriter(const conf::Config& config, int64_t now_ms);
    HealthTableWriter(const HealthTableWriter&) = delete;
    HealthTableWriter& operator=(const HealthTableWriter&) = delete;

    uint32_t slotCount() const { return header_->slot_count; }
    // How many slots took their verdict from an earlier table.
    uint32_t adopted() const { return adopted_; }

    SlotView read(uint32_t slot) const;
    // Writes the whole slot: the seqlock body, then the verdict word readers use per lookup.
    void write(uint32_t slot, const SlotView& view);

    void heartbeat(int64_t now_ms) {
        header_->heartbeat_ms.store(now_ms, std::memory_order_release);
    }
    void markReady() { header_->ready.store(1, std::memory_order_release); }
    bool ready() const { return header_->ready.load(std::memory_order_acquire) != 0; }
    // Tells readers that a newer table replaced this one.
    void retire() { header_->retired.store(1, std::memory_order_release); }
    // Publishes this table again under `name` when the object there is gone or is not this
    // one (someone removed /dev/shm/<name>): readers would otherwise fail open for good while
    // the prober wrote into an object nobody can find. Returns whether it had to.
    bool republishIfGone(const std::string& name, const std::string& group);
    const TableHeader& header() const { return *header_; }

  private:
    void initialise(const conf::Config& config, int64_t now_ms);
    void adoptFrom(const std::string& name, const conf::Config& config);
    bool everyPoolKnown(const conf::Config& config) const;

    SharedMemory memory_;
    TableHeader* header_ = nullptr;
    uint64_t inode_ = 0;  // of the object published under the name
    uint32_t adopted_ = 0;
};

}  // namespace pharos::state
