#pragma once
// pharosctl's side of pharos-health's control socket: one JSON request, one JSON reply.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace pharos::ctl {

// Sends `request` to the control socket at `path` and returns the reply, or nullopt after
// printing why the prober could not be asked.
std::optional<nlohmann::json> askProber(const std::string& path, const nlohmann::json& request);

// The same for a command that changes state: nullopt also when the prober refused it, after
// printing its reason.
std::optional<nlohmann::json> commandProber(const std::string& path, const nlohmann::json& request);

}  // namespace pharos::ctl
