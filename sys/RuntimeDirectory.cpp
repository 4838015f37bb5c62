#include "sys/RuntimeDirectory.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "base/Log.hpp"
#include "sys/Privileges.hpp"

namespace pharos::sys {
namespace {

[[noreturn]] void fail(const std::string& dir, const std::string& why) {
    throw std::runtime_error("cannot create directory " + dir + ": " + why);
}

// True when `dir` is a directory; false when nothing is there; throws for anything else.
bool existingDirectory(const std::string& dir) {
    struct stat st {};
    if (stat(dir.c_str(), &st) != 0) {
        if (errno == ENOENT) {
            return false;
        }
        fail(dir, std::strerror(errno));
    }
    if (!S_ISDIR(st.st_mode)) {
        fail(dir, "a file that is not a directory is in the way");
    }
    return true;
}

}  // namespace

std::string directoryOf(const std::string& file) {
    auto slash = file.find_last_of('/');
    if (slash == std::string::npos) {
        return ".";
    }
    return slash == 0 ? "/" : file.substr(0, slash);
}

bool ensureDirectory(const std::string& dir, mode_t mode, std::optional<DirectoryOwner> owner) {
    if (existingDirectory(dir)) {
        return false;
    }
    // Made with the umask's mode or tighter, then opened up: never wider than `mode` meanwhile.
    if (mkdir(dir.c_str(), mode) != 0) {
        int err = errno;
        if (err == EEXIST && existingDirectory(dir)) {
            return false;  // the other program made it just now
        }
        fail(dir, std::strerror(err));
    }
    if (owner && chown(dir.c_str(), owner->uid, owner->gid) != 0) {
        int err = errno;
        rmdir(dir.c_str());
        fail(dir, std::string("cannot give it to its owner: ") + std::strerror(err));
    }
    if (chmod(dir.c_str(), mode) != 0) {
        int err = errno;
        rmdir(dir.c_str());
        fail(dir, std::strerror(err));
    }
    return true;
}

std::optional<DirectoryOwner> createdDirectoriesOwner() {
    if (createdFilesOwner() == uid_t(-1)) {
        return std::nullopt;
    }
    return DirectoryOwner{createdFilesOwner(), createdFilesGroup()};
}

void ensureSocketDirectory(const std::string& socket_path) {
    std::string dir = directoryOf(socket_path);
    try {
        if (ensureDirectory(dir, 0755, createdDirectoriesOwner())) {
            PHAROS_LOG(Info, "created " << dir << " (mode 0755) for " << socket_path);
        }
    } catch (const std::exception& e) {
        throw std::runtime_error(e.what() + std::string(" (the directory of ") + socket_path + ")");
    }
}

}  // namespace pharos::sys
