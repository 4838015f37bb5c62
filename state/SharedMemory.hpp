#pragma once
// A mapped POSIX shared-memory object, closed and unmapped on destruction.
#include <cstddef>
#include <cstdint>
#include <string>

namespace pharos::state {

class SharedMemory {
  public:
    SharedMemory() = default;
    ~SharedMemory();
    SharedMemory(SharedMemory&& other) noexcept;
    SharedMemory& operator=(SharedMemory&& other) noexcept;

    // Maps an existing object read-only; false (errno set) when it is missing or unreadable.
    bool openReadOnly(const std::string& name);
    // The inode of the object openReadOnly() mapped (0 otherwise): what the name held then.
    uint64_t inode() const { return inode_; }
    // Creates a fresh object of `bytes`, mode 0640, mapped read-write; throws on failure.
    static SharedMemory create(const std::string& name, size_t bytes, const std::string& group);

    void* data() const { return data_; }
    size_t size() const { return size_; }
    bool mapped() const { return data_ != nullptr; }
    void reset();

  private:
    void* data_ = nullptr;
    size_t size_ = 0;
    uint64_t inode_ = 0;
};

// Atomically replaces object `to` by object `from` (both shm names): readers that still map
// the old one keep a valid mapping until they re-map.
void renameSharedMemory(const std::string& from, const std::string& to);
void unlinkSharedMemory(const std::string& name);

}  // namespace pharos::state
