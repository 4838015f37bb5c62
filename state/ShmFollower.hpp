#pragma once
// A read-only mapping of whichever object is published under a shared-memory name. The
// object's one writer replaces it (a reload or a restart builds a new one aside, renames it over
// the name and marks the old one `retired`), so a reader maps again when the name holds another
// inode or the mapped object says it was retired. The health table's reader and the backend
// stats block's reader both follow their object this way.
#include <atomic>
#include <cstdint>
#include <string>

#include "state/SharedMemory.hpp"

namespace pharos::state {

class ShmFollower {
  public:
    // Checks an object just mapped (magic, version, sizes) and returns where its `retired` flag
    // is, or nullptr to refuse it.
    using Accept = const std::atomic<uint32_t>* (*)(const SharedMemory& mapped);

    // keep_while_unlinked: an object whose name was removed from /dev/shm, but that is not
    // retired, stays mapped (its writer publishes it again); otherwise it is let go.
    ShmFollower(std::string name, Accept accept, bool keep_while_unlinked);

    enum class Refresh {
        Same,      // the mapped object is still the current one
        Remapped,  // another object is mapped now: pointers into the old one are void
        None,      // nothing is mapped: no object, or one that `accept` refused
    };
    // One stat() when nothing changed; shm_open and mmap when the object did. Never call it
    // per lookup.
    Refresh refresh();

    const void* data() const { return memory_.data(); }
    bool mapped() const { return memory_.mapped(); }

  private:
    bool current() const;

    std::string name_;
    Accept accept_;
    bool keep_while_unlinked_;
    SharedMemory memory_;
    const std::atomic<uint32_t>* retired_ = nullptr;
};

}  // namespace pharos::state
