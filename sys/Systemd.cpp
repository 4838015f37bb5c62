#include "sys/Systemd.hpp"

#include <sys/socket.h>
#include <systemd/sd-daemon.h>

#include "base/Log.hpp"

namespace pharos::sys {

std::optional<int> listeningSocketFromSystemd(const std::string& expected_path) {
    int count = sd_listen_fds(1);  // 1: the variables are consumed, not passed on
    if (count <= 0) {
        return std::nullopt;
    }
    if (count > 1) {
        PHAROS_LOG(Warning, "systemd passed " << count << " sockets; using the first");
    }
    int fd = SD_LISTEN_FDS_START;
    if (sd_is_socket_unix(fd, SOCK_STREAM, 1, nullptr, 0) <= 0) {
        PHAROS_LOG(Error, "the socket systemd passed is not a listening unix stream socket");
        return std::nullopt;
    }
    if (sd_is_socket_unix(fd, SOCK_STREAM, 1, expected_path.c_str(), 0) <= 0) {
        PHAROS_LOG(Warning, "the socket systemd passed is not at " << expected_path
                                                                   << " (backend.socket); "
                                                                      "pdns must use its path");
    }
    return fd;
}

void notifySystemd(const std::string& state) {
    sd_notify(0, state.c_str());
}

}  // namespace pharos::sys
