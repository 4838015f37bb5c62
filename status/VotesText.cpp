#include "status/VotesText.hpp"

namespace pharos::status {

std::string votesText(const nlohmann::json& votes) {
    std::string text;
    if (!votes.is_object()) {
        return text;
    }
    for (auto it = votes.begin(); it != votes.end(); ++it) {
        text +=
            " " + it.key() + ":" + (it.value().is_string() ? it.value().get<std::string>() : "?");
    }
    return text;
}

}  // namespace pharos::status
