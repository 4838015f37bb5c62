#include "sys/PeerCredentials.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace pharos::sys {

std::optional<PeerCredentials> peerCredentials(int socket_fd) {
    ucred cred{};
    socklen_t len = sizeof cred;
    if (getsockopt(socket_fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
        return std::nullopt;
    }
    PeerCredentials peer{cred.pid, cred.uid, cred.gid, std::to_string(cred.uid)};
    if (struct passwd* pw = getpwuid(cred.uid)) {
        peer.user = pw->pw_name;
    }
    return peer;
}

namespace {

// The peer's supplementary groups, as the kernel lists them for its process.
bool inSupplementaryGroups(pid_t pid, gid_t gid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("Groups:", 0) == 0) {
            std::istringstream groups(line.substr(7));
            for (gid_t g; groups >> g;) {
                if (g == gid) {
                    return true;
                }
            }
        }
    }
    return false;
}

}  // namespace

bool mayChangeState(const PeerCredentials& peer, const std::string& group) {
    if (peer.uid == 0 || peer.uid == geteuid()) {
        return true;
    }
    struct group* g = getgrnam(group.c_str());
    return g && (peer.gid == g->gr_gid || inSupplementaryGroups(peer.pid, g->gr_gid));
}

}  // namespace pharos::sys
