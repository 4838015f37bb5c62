#pragma once
// Running as an unprivileged user. Under systemd the units start pharos as `pharos` already.
// Started as root without it, each program does what needs root first (bind its sockets,
// create its shared memory), hands the files it creates to the configured user, and then
// becomes that user for good.
#include <sys/types.h>

#include <optional>
#include <string>

namespace pharos::sys {

struct RunAs {
    std::string name;
    uid_t uid;
    gid_t gid;
};

// The user to become: nullopt when not running as root, when `user` is "root" (the operator
// chose to stay root), or, with a warning, when no such user exists. Files pharos creates
// from here on (shared memory, sockets, the lock) are given to that user, so that after the
// switch it can replace them on a reload and remove them at the end.
std::optional<RunAs> prepareToRunAs(const std::string& user);

// The user files are handed to, set by prepareToRunAs; -1 when none.
uid_t createdFilesOwner();

// That user's own group, for the directories pharos makes (as the units' Group=); -1 when none.
gid_t createdFilesGroup();

// Becomes `who` (its groups, then its gid, then its uid); throws when any step fails, so a
// process never goes on half privileged.
void becomeUser(const RunAs& who);

}  // namespace pharos::sys
