#include "state/SharedMemory.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "base/Log.hpp"
#include "base/ShmName.hpp"
#include "sys/Privileges.hpp"

namespace pharos::state {

SharedMemory::~SharedMemory() {
    reset();
}

SharedMemory::SharedMemory(SharedMemory&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      inode_(std::exchange(other.inode_, 0)) {}

SharedMemory& SharedMemory::operator=(SharedMemory&& other) noexcept {
    if (this != &other) {
        reset();
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
        inode_ = std::exchange(other.inode_, 0);
    }
    return *this;
}

void SharedMemory::reset() {
    if (data_) {
        munmap(data_, size_);
    }
    data_ = nullptr;
    size_ = 0;
    inode_ = 0;
}

bool SharedMemory::openReadOnly(const std::string& name) {
    reset();
    int fd = shm_open(name.c_str(), O_RDONLY, 0);
    if (fd < 0) {
        return false;
    }
    struct stat st {};
    if (fstat(fd, &st) != 0 || st.st_size <= 0) {
        close(fd);
        errno = ENODATA;
        return false;
    }
    void* p = mmap(nullptr, size_t(st.st_size), PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        return false;
    }
    data_ = p;
    size_ = size_t(st.st_size);
    inode_ = uint64_t(st.st_ino);
    return true;
}

SharedMemory SharedMemory::create(const std::string& name, size_t bytes, const std::string& group) {
    shm_unlink(name.c_str());
    int fd = shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0640);
    if (fd < 0) {
        throw std::runtime_error("cannot create shared memory " + name + ": " +
                                 std::strerror(errno));
    }
    fchmod(fd, 0640);  // the umask must not widen or narrow what readers rely on
    if (sys::createdFilesOwner() != uid_t(-1) && fchown(fd, sys::createdFilesOwner(), -1) != 0) {
        PHAROS_LOG(Warning,
                   "cannot give " << name << " to pharos's user: " << std::strerror(errno));
    }
    if (!group.empty()) {
        if (struct group* g = getgrnam(group.c_str())) {
            if (fchown(fd, uid_t(-1), g->gr_gid) != 0) {
                PHAROS_LOG(Warning, "cannot give " << name << " to group " << group << ": "
                                                   << std::strerror(errno));
            }
        } else {
            PHAROS_LOG(Debug, "group " << group << " does not exist; " << name
                                       << " keeps the prober's group");
        }
    }
    if (ftruncate(fd, off_t(bytes)) != 0) {
        int e = errno;
        close(fd);
        shm_unlink(name.c_str());
        throw std::runtime_error("cannot size shared memory " + name + ": " + std::strerror(e));
    }
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        throw std::runtime_error("cannot map shared memory " + name + ": " + std::strerror(errno));
    }
    SharedMemory m;
    m.data_ = p;
    m.size_ = bytes;
    return m;
}

void renameSharedMemory(const std::string& from, const std::string& to) {
    // glibc keeps POSIX shared memory in /dev/shm, where rename() is atomic.
    std::string a = base::shmPath(from);
    std::string b = base::shmPath(to);
    if (rename(a.c_str(), b.c_str()) != 0) {
        throw std::runtime_error("cannot publish " + to + ": " + std::strerror(errno));
    }
}

void unlinkSharedMemory(const std::string& name) {
    shm_unlink(name.c_str());
}

}  // namespace pharos::state
