#include "sys/UnixSocketFile.hpp"

#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "base/Log.hpp"
#include "sys/Privileges.hpp"
#include "sys/RuntimeDirectory.hpp"

namespace pharos::sys {
namespace {

// Removes a socket file nobody listens on; refuses to touch anything else.
void clearStaleSocket(const std::string& path) {
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0) {
        return;
    }
    if (!S_ISSOCK(st.st_mode)) {
        throw std::runtime_error(path + " exists and is not a socket; not replacing it");
    }
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    int rc = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    int err = errno;
    close(fd);
    if (rc == 0) {
        throw std::runtime_error("another process is listening on " + path);
    }
    if (err != ECONNREFUSED) {
        throw std::runtime_error("cannot tell whether " + path +
                                 " is in use: " + std::strerror(err));
    }
    PHAROS_LOG(Info, "replacing stale socket " << path);
    unlink(path.c_str());
}

void setGroupAndMode(const std::string& path, const std::string& group) {
    if (struct group* g = getgrnam(group.c_str())) {
        if (chown(path.c_str(), createdFilesOwner(), g->gr_gid) != 0) {
            PHAROS_LOG(Warning, "cannot give " << path << " to group " << group << ": "
                                               << std::strerror(errno));
        }
    } else {
        PHAROS_LOG(Warning,
                   "group " << group << " does not exist; " << path << " keeps pharos's group");
    }
    chmod(path.c_str(), 0660);
}

}  // namespace

void bindUnixSocket(boost::asio::local::stream_protocol::acceptor& acceptor,
                    const std::string& path, const std::string& group) {
    ensureSocketDirectory(path);
    clearStaleSocket(path);
    using boost::asio::local::stream_protocol;
    acceptor.open(stream_protocol());
    // Created 0660 from the start: no moment where others could connect before the chmod.
    mode_t old_mask = umask(0117);
    boost::system::error_code bind_error;
    acceptor.bind(stream_protocol::endpoint(path), bind_error);
    umask(old_mask);
    if (bind_error) {
        throw std::runtime_error("cannot bind " + path + ": " + bind_error.message());
    }
    acceptor.listen(boost::asio::socket_base::max_listen_connections);
    setGroupAndMode(path, group);
}

}  // namespace pharos::sys
