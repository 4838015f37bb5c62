#pragma once
// The directories pharos's files live in, made the way the systemd units make them when a
// program starts without systemd (by hand, in a container): pharos-health.service's
// RuntimeDirectory= (/run/pharos, 0755) and StateDirectory= (/var/lib/pharos, 0750), both owned
// by User=/Group=, and pharos-backend.socket's DirectoryMode=0755. A directory that already
// exists is left exactly as it is: the other program, systemd or a package made it, and either
// program may start first.
#include <sys/types.h>

#include <optional>
#include <string>

namespace pharos::sys {

struct DirectoryOwner {
    uid_t uid;
    gid_t gid;
};

// Where a file lives: its path up to the last slash ("/" for a file at the root, "." for a
// bare name).
std::string directoryOf(const std::string& file);

// Makes `dir` when it does not exist: with exactly `mode` whatever the umask, given to `owner`
// when there is one. Only `dir` itself is made; its parent must exist. Returns whether it made
// it. Throws std::runtime_error naming `dir` and the reason when it cannot be made or exists
// and is not a directory.
bool ensureDirectory(const std::string& dir, mode_t mode, std::optional<DirectoryOwner> owner);

// The owner of directories pharos makes: the user prepareToRunAs() chose to become, or none
// (the process's own user) when it stays who it is.
std::optional<DirectoryOwner> createdDirectoriesOwner();

// The directory a unix socket needs, as RuntimeDirectoryMode=0755 makes it, for the owner
// above. Throws as ensureDirectory does, naming the socket too.
void ensureSocketDirectory(const std::string& socket_path);

}  // namespace pharos::sys
