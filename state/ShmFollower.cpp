#include "state/ShmFollower.hpp"

#include <sys/stat.h>

#include "base/ShmName.hpp"

namespace pharos::state {

ShmFollower::ShmFollower(std::string name, Accept accept, bool keep_while_unlinked)
    : name_(std::move(name)), accept_(accept), keep_while_unlinked_(keep_while_unlinked) {}

// Whether the mapped object is the one to read: not retired, and still under the name (or, when
// kept while unlinked, under no name at all). The inode tells a replaced object even when its
// writer died before it could mark it retired.
bool ShmFollower::current() const {
    if (!memory_.mapped() || retired_->load(std::memory_order_acquire)) {
        return false;
    }
    struct stat st {};
    if (stat(base::shmPath(name_).c_str(), &st) != 0) {
        return keep_while_unlinked_;
    }
    return uint64_t(st.st_ino) == memory_.inode();
}

ShmFollower::Refresh ShmFollower::refresh() {
    if (current()) {
        return Refresh::Same;
    }
    SharedMemory fresh;
    const std::atomic<uint32_t>* retired = fresh.openReadOnly(name_) ? accept_(fresh) : nullptr;
    if (!retired) {
        memory_.reset();
        retired_ = nullptr;
        return Refresh::None;
    }
    memory_ = std::move(fresh);
    retired_ = retired;
    return Refresh::Remapped;
}

}  // namespace pharos::state
