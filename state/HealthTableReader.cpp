#include "state/HealthTableReader.hpp"

#include "base/Clock.hpp"

namespace pharos::state {

const char* toString(TableStatus s) {
    switch (s) {
        case TableStatus::Ok:
            return "ok";
        case TableStatus::Missing:
            return "missing";
        case TableStatus::NotReady:
            return "not-ready";
        case TableStatus::Stale:
            return "stale";
        case TableStatus::OtherConfig:
            return "other-config";
    }
    return "?";
}

const char* tableStatusText(TableStatus s) {
    switch (s) {
        case TableStatus::NotReady:
            return "not ready";
        case TableStatus::OtherConfig:
            return "built for another configuration";
        case TableStatus::Ok:
        case TableStatus::Missing:
        case TableStatus::Stale:
            break;
    }
    return toString(s);
}

bool usesVerdicts(TableStatus status, conf::StalePolicy on_stale) {
    return status == TableStatus::Ok ||
           (status == TableStatus::Stale && on_stale == conf::StalePolicy::LastKnown);
}

namespace {

// A table this reader can read: the magic, a layout version it knows, and every slot inside.
const std::atomic<uint32_t>* acceptTable(const SharedMemory& mapped) {
    if (mapped.size() < sizeof(TableHeader)) {
        return nullptr;
    }
    auto* h = static_cast<const TableHeader*>(mapped.data());
    if (h->magic.load(std::memory_order_acquire) != kTableMagic ||
        (h->layout_version != kLayoutVersion && h->layout_version != 1) ||
        tableBytes(h->slot_count) > mapped.size()) {
        return nullptr;
    }
    return &h->retired;
}

}  // namespace

// Removed from /dev/shm but still written (the prober publishes it again within its next
// heartbeat, and retires this one then): the table stays mapped rather than fail open
// meanwhile. A dead prober's table goes stale by its heartbeat, removed or not.
HealthTableReader::HealthTableReader(std::string shm_name)
    : table_(std::move(shm_name), acceptTable, true) {}

bool HealthTableReader::refresh() {
    if (table_.refresh() != ShmFollower::Refresh::Same) {
        header_ = static_cast<const TableHeader*>(table_.data());
    }
    return header_ != nullptr;
}

TableStatus statusOf(const TableHeader* h, uint64_t layout_hash, int64_t now_ms,
                     int64_t stale_after_ms, HeartbeatWatch* watch) {
    if (!h) {
        return TableStatus::Missing;
    }
    if (h->layout_hash != layout_hash) {
        return TableStatus::OtherConfig;
    }
    if (!h->ready.load(std::memory_order_acquire)) {
        return TableStatus::NotReady;
    }
    int64_t heartbeat = h->heartbeat_ms.load(std::memory_order_acquire);
    int64_t age = watch ? watch->age(heartbeat, now_ms, stale_after_ms, base::coarseMonotonicMs)
                        : now_ms - heartbeat;
    if (age > stale_after_ms) {
        return TableStatus::Stale;
    }
    return TableStatus::Ok;
}

lb::Health verdictAt(const TableHeader* h, uint32_t slot, bool alert_only) {
    if (!h || slot >= h->slot_count) {
        return lb::Health::Unknown;
    }
    return verdictOf(slotsOf(h)[slot].verdict.load(std::memory_order_acquire), alert_only);
}

TableStatus HealthTableReader::status(uint64_t layout_hash, int64_t now_ms,
                                      int64_t stale_after_ms) const {
    return statusOf(header(), layout_hash, now_ms, stale_after_ms);
}

lb::Health HealthTableReader::verdict(uint32_t slot, bool alert_only) const {
    return verdictAt(header(), slot, alert_only);
}

lb::Health verdictOf(uint32_t v, bool alert_only) {
    switch (verdictHold(v)) {  // the prober sets a hold only where it outranks the rest
        case PolicyHold::FailoverAfter:
        case PolicyHold::AwaitingApproval:
            return lb::Health::Up;
        case PolicyHold::HeldOff:
            return lb::Health::Down;
        case PolicyHold::Maintenance:
            return lb::Health::Drained;
        case PolicyHold::None:
            break;
    }
    switch (verdictAdmin(v)) {
        case AdminOverride::ForcedUp:
            return lb::Health::Up;
        case AdminOverride::ForcedDown:
            return lb::Health::Down;
        case AdminOverride::Drain:
            return lb::Health::Drained;
        case AdminOverride::None:
            break;
    }
    if (alert_only) {
        return lb::Health::Up;  // its checks only tell people
    }
    switch (verdictState(v)) {
        case MemberState::Up:
            return lb::Health::Up;
        case MemberState::Down:
            return lb::Health::Down;
        case MemberState::Unknown:
            break;
    }
    return lb::Health::Unknown;
}

bool HealthTableReader::readSlot(uint32_t slot, SlotView& out) const {
    if (!header_ || slot >= header_->slot_count) {
        return false;
    }
    const Slot& s = slotsOf(header_)[slot];
    // The writer never blocks inside, so a retry or two suffices; a writer killed mid-write
    // leaves the count odd, hence the bound.
    for (int attempt = 0; attempt < 10000; ++attempt) {
        uint32_t before = s.seq.load(std::memory_order_acquire);
        if (before & 1) {
            continue;
        }
        out = loadSlot(s);
        std::atomic_thread_fence(std::memory_order_acquire);
        if (s.seq.load(std::memory_order_relaxed) == before) {
            return true;
        }
    }
    return false;
}

const TableHeader* HealthTableReader::header() const {
    return header_;
}

}  // namespace pharos::state
