#pragma once
// The reading half of the shared-memory health table (docs/ARCHITECTURE.md), used by
// pharos-backend at every lookup and by pharosctl. Maps the object read-only; never blocks the
// prober and never sees a torn verdict.
#include <cstdint>
#include <string>

#include "conf/Config.hpp"
#include "lb/Health.hpp"
#include "state/HealthTableLayout.hpp"
#include "state/HeartbeatWatch.hpp"
#include "state/ShmFollower.hpp"

namespace pharos::state {

enum class TableStatus : uint8_t {
    Ok,           // mapped, ready, fresh heartbeat, built for this configuration
    Missing,      // no object (prober never ran, or was removed)
    NotReady,     // the prober has not yet given every member its first verdict
    Stale,        // heartbeat older than health.stale_after: the prober is dead or stuck
    OtherConfig,  // built for another slot layout (layout_hash differs)
};
// "ok", "missing", "not-ready", "stale", "other-config": the machine spelling (the /status
// document; a cluster vote from another layout is "other-config" too).
const char* toString(TableStatus);
// The status for people: "not ready", "built for another configuration"...
const char* tableStatusText(TableStatus);

// Whether the verdicts of a table in this status are used: a table that is fresh, ready and
// built for this configuration, or a stale one under `health.on_stale: last-known` (it still
// holds the last verdicts). Anything else fails open, so DNS keeps answering whatever happened
// to the prober. The backend and pharosctl both ask this one function.
bool usesVerdicts(TableStatus status, conf::StalePolicy on_stale);

// The effective verdict of one verdict word (HealthTableReader::verdict reads the word).
lb::Health verdictOf(uint32_t word, bool alert_only);

// The status of a mapped table (null: none) for a configuration with `layout_hash`, at now_ms
// (CLOCK_REALTIME): what HealthTableReader::status says of its own mapping, for any mapping,
// the prober's own included. Atomic loads only.
// `watch` (may be null): the caller's HeartbeatWatch, for a reader that keeps watching.
TableStatus statusOf(const TableHeader* header, uint64_t layout_hash, int64_t now_ms,
                     int64_t stale_after_ms, HeartbeatWatch* watch = nullptr);
// The effective verdict of one slot of a mapped table (HealthTableReader::verdict); Unknown
// without a table or past its slots. One atomic load.
lb::Health verdictAt(const TableHeader* header, uint32_t slot, bool alert_only);

class HealthTableReader {
  public:
    explicit HealthTableReader(std::string shm_name);
    HealthTableReader(const HealthTableReader&) = delete;
    HealthTableReader& operator=(const HealthTableReader&) = delete;

    // Maps the object, or re-maps it when the prober replaced it (reload or restart). Makes
    // system calls: the owner calls it at start and from a timer (ten times a second), never
    // per lookup. Returns whether a table is mapped afterwards.
    bool refresh();

    // Atomic loads only. now_ms is CLOCK_REALTIME in milliseconds, read by the caller.
    TableStatus status(uint64_t layout_hash, int64_t now_ms, int64_t stale_after_ms) const;

    // The effective verdict of one slot: a DR policy's hold first (kept in -> Up, held off ->
    // Down, maintenance -> Drained), then the admin override (forced up -> Up, forced down ->
    // Down, drain -> Drained), then the probes' state, which an alert_only member ignores (Up).
    // One atomic load. Only meaningful while status() is not Missing and the slot is below
    // the table's slot count; otherwise Unknown.
    lb::Health verdict(uint32_t slot, bool alert_only) const;

    // A consistent copy of one slot (seqlock; retries while the writer is inside). False when
    // no table is mapped or the slot is out of range.
    bool readSlot(uint32_t slot, SlotView& out) const;
    // The mapped header, or nullptr.
    const TableHeader* header() const;

  private:
    ShmFollower table_;
    const TableHeader* header_ = nullptr;  // in table_'s mapping, or nullptr
};

}  // namespace pharos::state
