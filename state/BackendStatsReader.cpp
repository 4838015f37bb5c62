#include "state/BackendStatsReader.hpp"
#include "base/ShmName.hpp"

#include <sys/stat.h>

namespace pharos::state {

struct BackendStatsReader::Mapping {
    state::SharedMemory memory;
    ino_t inode = 0;
    StatsLayout layout;
    const char* base() const { return static_cast<const char*>(memory.data()); }
};

BackendStatsReader::BackendStatsReader(std::string name) : name_(std::move(name)) {}
BackendStatsReader::~BackendStatsReader() = default;

bool BackendStatsReader::refresh() {
    struct stat st {};
    bool exists = stat(base::shmPath(name_).c_str(), &st) == 0;
    if (map_ && exists && st.st_ino == map_->inode && !header()->retired.load()) {
        return true;
    }
    map_.reset();
    auto fresh = std::make_unique<Mapping>();
    if (!exists || !fresh->memory.openReadOnly(name_) ||
        fresh->memory.size() < sizeof(StatsHeader)) {
        return false;
    }
    const auto* h = reinterpret_cast<const StatsHeader*>(fresh->base());
    if (h->magic.load(std::memory_order_acquire) != kStatsMagic || h->version != kStatsVersion) {
        return false;
    }
    fresh->layout = StatsLayout::of(h->globalname_count, h->slot_count);
    if (fresh->layout.bytes > fresh->memory.size()) {
        return false;
    }
    fresh->inode = st.st_ino;
    map_ = std::move(fresh);
    return true;
}

const StatsHeader* BackendStatsReader::header() const {
    return map_ ? reinterpret_cast<const StatsHeader*>(map_->base()) : nullptr;
}
const BackendCounters* BackendStatsReader::counters() const {
    return map_ ? reinterpret_cast<const BackendCounters*>(map_->base() + map_->layout.counters)
                : nullptr;
}
const NameCounters* BackendStatsReader::names() const {
    return map_ ? reinterpret_cast<const NameCounters*>(map_->base() + map_->layout.names)
                : nullptr;
}
const Counter* BackendStatsReader::answers() const {
    return map_ ? reinterpret_cast<const Counter*>(map_->base() + map_->layout.answers) : nullptr;
}

}  // namespace pharos::state
