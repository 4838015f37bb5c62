#include "state/BackendStatsReader.hpp"

namespace pharos::state {
namespace {

// A block this reader can read: the magic, this version, and every counter its header counts.
const std::atomic<uint32_t>* acceptBlock(const SharedMemory& mapped) {
    if (mapped.size() < sizeof(StatsHeader)) {
        return nullptr;
    }
    const auto* h = static_cast<const StatsHeader*>(mapped.data());
    if (h->magic.load(std::memory_order_acquire) != kStatsMagic || h->version != kStatsVersion ||
        StatsLayout::of(h->globalname_count, h->slot_count).bytes > mapped.size()) {
        return nullptr;
    }
    return &h->retired;
}

}  // namespace

// A block whose name was removed is let go: the backend never publishes it again by itself.
BackendStatsReader::BackendStatsReader(std::string name)
    : block_(std::move(name), acceptBlock, false) {}

bool BackendStatsReader::refresh() {
    if (block_.refresh() == ShmFollower::Refresh::Remapped) {
        layout_ = StatsLayout::of(header()->globalname_count, header()->slot_count);
    }
    return block_.mapped();
}

const char* BackendStatsReader::at(size_t offset) const {
    return block_.mapped() ? static_cast<const char*>(block_.data()) + offset : nullptr;
}

const StatsHeader* BackendStatsReader::header() const {
    return reinterpret_cast<const StatsHeader*>(at(0));
}
const BackendCounters* BackendStatsReader::counters() const {
    return reinterpret_cast<const BackendCounters*>(at(layout_.counters));
}
const NameCounters* BackendStatsReader::names() const {
    return reinterpret_cast<const NameCounters*>(at(layout_.names));
}
const Counter* BackendStatsReader::answers() const {
    return reinterpret_cast<const Counter*>(at(layout_.answers));
}

}  // namespace pharos::state
