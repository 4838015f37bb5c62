#include "sys/Privileges.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "base/Log.hpp"

namespace pharos::sys {
namespace {
uid_t g_owner = uid_t(-1);
gid_t g_owner_group = gid_t(-1);
}  // namespace

std::optional<RunAs> prepareToRunAs(const std::string& user) {
    if (geteuid() != 0 || user == "root" || user.empty()) {
        return std::nullopt;
    }
    struct passwd* pw = getpwnam(user.c_str());
    if (!pw) {
        PHAROS_LOG(Warning, "running as root: user " << user
                                                     << " (pharos.yaml `user`) does not exist; "
                                                        "create it or set user: root");
        return std::nullopt;
    }
    g_owner = pw->pw_uid;
    g_owner_group = pw->pw_gid;
    return RunAs{user, pw->pw_uid, pw->pw_gid};
}

uid_t createdFilesOwner() {
    return g_owner;
}

gid_t createdFilesGroup() {
    return g_owner_group;
}

void becomeUser(const RunAs& who) {
    auto fail = [&](const char* step) {
        throw std::runtime_error(std::string("cannot become user ") + who.name + ": " + step +
                                 ": " + std::strerror(errno));
    };
    if (initgroups(who.name.c_str(), who.gid) != 0) {
        fail("initgroups");
    }
    if (setgid(who.gid) != 0) {
        fail("setgid");
    }
    if (setuid(who.uid) != 0) {
        fail("setuid");
    }
    if (setuid(0) == 0) {  // a switch that could be undone was no switch
        throw std::runtime_error("still able to become root after switching to " + who.name);
    }
    PHAROS_LOG(Info, "running as user " << who.name);
}

}  // namespace pharos::sys
