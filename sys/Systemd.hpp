#pragma once
// What pharos takes from systemd when it runs under it, and nothing when it does not: a
// listening socket passed by socket activation (LISTEN_FDS/LISTEN_PID, sd_listen_fds), and
// readiness and reload notices for Type=notify units (sd_notify; without NOTIFY_SOCKET they
// are no-ops).
#include <optional>
#include <string>

namespace pharos::sys {

// The unix stream socket systemd passed, already listening; nullopt when none was passed.
// Logs a warning when its path is not `expected_path`.
std::optional<int> listeningSocketFromSystemd(const std::string& expected_path);

// Sends `state` ("READY=1", "RELOADING=1", "STOPPING=1", "STATUS=...") to the service manager.
void notifySystemd(const std::string& state);

}  // namespace pharos::sys
