// drain, force-up, force-down, clear: admin overrides, set through pharos-health.
#include <time.h>

#include <cstdio>
#include <cstdlib>

#include "admin/AdminOverrides.hpp"
#include "base/Clock.hpp"
#include "conf/YamlReader.hpp"
#include "ctl/Commands.hpp"
#include "ctl/ControlClient.hpp"

namespace pharos::ctl {
// A duration from now (30m, 2h, 90s) or a UTC time (2026-11-25T22:00[:00][Z]), in epoch ms.
std::optional<int64_t> parseUntil(const std::string& text) {
    if (auto seconds = conf::parseDuration(text); seconds && *seconds > 0) {
        return base::realtimeMs() + int64_t(*seconds * 1000);
    }
    for (const char* format : {"%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"}) {
        tm parts{};
        const char* end = strptime(text.c_str(), format, &parts);
        if (end && (*end == '\0' || (end[0] == 'Z' && end[1] == '\0'))) {
            return int64_t(timegm(&parts)) * 1000;
        }
    }
    return std::nullopt;
}

int runOverride(const std::string& command, const Options& options) {
    if (options.args.empty() || options.args.size() > 2) {
        std::fprintf(stderr, "usage: pharosctl %s POOL [MEMBER] [--reason TEXT] [--until TIME]\n",
                     command.c_str());
        return kExitUsage;
    }
    auto config = loadForCommand(options);
    if (!config) {
        return kExitProblem;
    }
    nlohmann::json request = {{"command", command == "clear" ? "clear" : "set"},
                              {"pool", options.args[0]},
                              {"member", options.args.size() > 1 ? options.args[1] : ""}};
    if (command != "clear") {
        request["action"] = command;
        request["reason"] = options.reason;
        if (const char* sudo_user = std::getenv("SUDO_USER")) {
            request["sudo_user"] = sudo_user;
        }
    }
    if (!options.until.empty()) {
        auto until = parseUntil(options.until);
        if (!until) {
            std::fprintf(stderr,
                         "pharosctl: --until takes a duration (30m, 2h) or a UTC time "
                         "(2026-11-25T22:00Z), not %s\n",
                         options.until.c_str());
            return kExitUsage;
        }
        request["until_ms"] = *until;
    }
    auto reply = commandProber(config->settings.control_socket, request);
    if (!reply) {
        return reply.failure;
    }
    const auto& members = (*reply)["members"];
    if (members.empty()) {
        std::printf("no override to clear\n");
    }
    for (const auto& m : members) {
        std::printf("%s %s\n", command == "clear" ? "cleared" : command.c_str(),
                    m.get<std::string>().c_str());
    }
    return kExitOk;
}

}  // namespace pharos::ctl
