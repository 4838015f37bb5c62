#include "health/ProberLock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "base/ShmName.hpp"
#include "sys/Privileges.hpp"

namespace pharos::health {

ProberLock::ProberLock(const std::string& table) {
    std::string path = base::shmPath(table + ".lock");
    fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd_ < 0) {
        throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
    }
    if (sys::createdFilesOwner() != uid_t(-1)) {
        (void)fchown(fd_, sys::createdFilesOwner(), -1);  // the dropped user reopens it later
    }
    if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd_);
        fd_ = -1;
        throw std::runtime_error(e == EWOULDBLOCK
                                     ? "another pharos-health is already probing for table " + table
                                     : "cannot lock " + path + ": " + std::strerror(e));
    }
}

ProberLock::~ProberLock() {
    if (fd_ >= 0) {
        close(fd_);
    }
}

}  // namespace pharos::health
