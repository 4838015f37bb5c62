#pragma once
// Each node's vote on one member for people, as `pharosctl status` and `explain` print it.
#include <nlohmann/json.hpp>
#include <string>

namespace pharos::status {

// " a:up b:up c:down" from the votes of one member (node -> "up", "down", "starting" or
// "other-config", as state::VoteBook::votesOn and the status document give them): each vote
// after a space, so callers print it straight after their own label.
std::string votesText(const nlohmann::json& votes);

}  // namespace pharos::status
