// reload: check the configuration, then reload pharos-health (over its control socket) and
// pharos-backend (SIGHUP, its pid from its stats block), and say what changed.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "ctl/Commands.hpp"
#include "ctl/ControlClient.hpp"
#include "state/BackendStatsReader.hpp"

namespace pharos::ctl {
namespace {

// SIGHUPs the backend and waits until its stats block shows the reload's outcome.
bool reloadBackend(const conf::Settings& settings) {
    state::BackendStatsReader stats(state::statsBlockName(settings));
    if (!stats.refresh()) {
        std::fprintf(stderr, "pharosctl: pharos-backend is not running (no %s)\n",
                     state::statsBlockName(settings).c_str());
        return false;
    }
    int pid = stats.header()->pid;
    uint64_t reloads = stats.header()->reloads;
    uint64_t failures = stats.header()->reload_failures;
    if (kill(pid, SIGHUP) != 0) {
        std::perror("pharosctl: cannot signal pharos-backend");
        return false;
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
        if (stats.refresh() && stats.header()->reloads > reloads) {
            std::printf("pharos-backend (pid %d) reloaded\n", pid);
            return true;
        }
        if (stats.header() && stats.header()->reload_failures > failures) {
            std::fprintf(stderr,
                         "pharosctl: pharos-backend (pid %d) rejected the configuration; "
                         "its log says why\n",
                         pid);
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::fprintf(stderr, "pharosctl: pharos-backend (pid %d) did not reload within 5 s\n", pid);
    return false;
}

}  // namespace

int runReload(const Options& options) {
    auto config = loadForCommand(options);  // prints every error with file:line:key
    if (!config) {
        std::fprintf(stderr, "pharosctl: configuration rejected; nothing was reloaded\n");
        return kExitProblem;
    }
    auto reply = askProber(config->settings.control_socket, {{"command", "reload"}});
    if (!reply) {
        return reply.failure;
    }
    if (!reply->value("ok", false)) {
        for (const auto& e : (*reply)["errors"]) {
            std::fprintf(stderr, "%s\n", e.get<std::string>().c_str());
        }
        std::fprintf(stderr, "pharosctl: pharos-health rejected the configuration\n");
        return kExitProblem;
    }
    std::printf("pharos-health reloaded\n");
    bool backend_ok = reloadBackend(config->settings);
    const auto& changes = (*reply)["changes"];
    std::printf(changes.empty() ? "no changes\n" : "changes:\n");
    for (const auto& c : changes) {
        std::printf("  %s\n", c.get<std::string>().c_str());
    }
    return backend_ok ? kExitOk : kExitProblem;
}

}  // namespace pharos::ctl
