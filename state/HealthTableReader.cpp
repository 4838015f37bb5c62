#include "state/HealthTableReader.hpp"

#include <sys/stat.h>

#include <memory>

#include "base/ShmName.hpp"
#include "state/SharedMemory.hpp"

namespace pharos::state {

struct HealthTableReader::Mapping {
    SharedMemory memory;
    const TableHeader* header = nullptr;
    ino_t inode = 0;
};

const char* toString(TableStatus s) {
    switch (s) {
        case TableStatus::Ok:
            return "ok";
        case TableStatus::Missing:
            return "missing";
        case TableStatus::NotReady:
            return "not ready";
        case TableStatus::Stale:
            return "stale";
        case TableStatus::OtherConfig:
            return "built for another configuration";
    }
    return "?";
}

bool usesVerdicts(TableStatus status, conf::StalePolicy on_stale) {
    return status == TableStatus::Ok ||
           (status == TableStatus::Stale && on_stale == conf::StalePolicy::LastKnown);
}

HealthTableReader::HealthTableReader(std::string shm_name) : name_(std::move(shm_name)) {}

HealthTableReader::~HealthTableReader() {
    delete map_;
}

bool HealthTableReader::refresh() {
    // The object under the name may have been replaced (reload, restart) or removed; the
    // inode tells, even when the old writer died before it could mark its table retired.
    struct stat st {};
    bool exists = stat(base::shmPath(name_).c_str(), &st) == 0;
    bool retired = map_ && map_->header->retired.load(std::memory_order_acquire);
    if (map_ && exists && st.st_ino == map_->inode && !retired) {
        return true;
    }
    // Removed from /dev/shm but still written (the prober publishes it again within its next
    // heartbeat, and retires this one then): keep reading it rather than fail open meanwhile.
    // A dead prober's table goes stale by its heartbeat, removed or not.
    if (map_ && !exists && !retired) {
        return true;
    }
    auto fresh = std::make_unique<Mapping>();
    if (!exists || !fresh->memory.openReadOnly(name_) ||
        fresh->memory.size() < sizeof(TableHeader)) {
        delete map_;
        map_ = nullptr;
        return false;
    }
    auto* h = static_cast<const TableHeader*>(fresh->memory.data());
    if (h->magic.load(std::memory_order_acquire) != kTableMagic ||
        (h->layout_version != kLayoutVersion && h->layout_version != 1) ||
        tableBytes(h->slot_count) > fresh->memory.size()) {
        delete map_;
        map_ = nullptr;
        return false;
    }
    fresh->header = h;
    fresh->inode = st.st_ino;
    delete map_;
    map_ = fresh.release();
    return true;
}

TableStatus statusOf(const TableHeader* h, uint64_t layout_hash, int64_t now_ms,
                     int64_t stale_after_ms) {
    if (!h) {
        return TableStatus::Missing;
    }
    if (h->layout_hash != layout_hash) {
        return TableStatus::OtherConfig;
    }
    if (!h->ready.load(std::memory_order_acquire)) {
        return TableStatus::NotReady;
    }
    if (now_ms - h->heartbeat_ms.load(std::memory_order_acquire) > stale_after_ms) {
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
    if (!map_ || slot >= map_->header->slot_count) {
        return false;
    }
    const Slot& s = slotsOf(map_->header)[slot];
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
    return map_ ? map_->header : nullptr;
}

}  // namespace pharos::state
