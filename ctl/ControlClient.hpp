#pragma once
// pharosctl's side of pharos-health's control socket: one JSON request, one JSON reply.
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "ctl/ExitStatus.hpp"

namespace pharos::ctl {

// The prober's reply, or the exit status that says why there is none (already printed):
// kExitUnreachable when the prober could not be asked, kExitProblem when it refused a command
// or this user may not use its socket.
struct ProberReply {
    nlohmann::json json;
    int failure = kExitOk;

    explicit operator bool() const { return failure == kExitOk; }
    const nlohmann::json& operator*() const { return json; }
    const nlohmann::json* operator->() const { return &json; }
};

// Sends `request` to the control socket at `path` and returns the reply, whatever its "ok".
// `quiet`: print nothing when there is none (a read that can do without it).
ProberReply askProber(const std::string& path, const nlohmann::json& request,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30),
                      bool quiet = false);

// The same for a command that changes state: a reply that is not "ok" is a failure too, after
// printing the prober's reason.
ProberReply commandProber(const std::string& path, const nlohmann::json& request);

}  // namespace pharos::ctl
