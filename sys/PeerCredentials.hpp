#pragma once
// Who is on the other end of a unix socket, from the kernel (SO_PEERCRED), and whether that
// user may change pharos's state: root, pharos's own user, or a member of the control group.
#include <sys/types.h>

#include <optional>
#include <string>

namespace pharos::sys {

struct PeerCredentials {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    std::string user;  // the uid's name, or the number when it has none
};

std::optional<PeerCredentials> peerCredentials(int socket_fd);

// Root, the process's own user, or a member of `group` (primary or supplementary, as the
// kernel knows the peer process; a group that does not exist admits nobody else).
bool mayChangeState(const PeerCredentials& peer, const std::string& group);

}  // namespace pharos::sys
