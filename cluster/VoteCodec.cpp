#include "cluster/VoteCodec.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace pharos::cluster {

using nlohmann::json;

std::string encodeVote(const state::NodeVote& vote, int64_t at_ms) {
    json down = json::object();
    for (const auto& key : vote.down) {
        size_t newline = key.find('\n');
        down[key.substr(0, newline)].push_back(key.substr(newline + 1));
    }
    char layout[17];
    std::snprintf(layout, sizeof layout, "%016llx", static_cast<unsigned long long>(vote.layout));
    return json{{"site", vote.site},
                {"ready", vote.ready},
                {"layout", layout},
                {"down", down},
                {"at_ms", at_ms}}
        .dump();
}

namespace {

std::optional<uint64_t> layoutOf(const json& v) {
    if (!v.is_string() || v.get_ref<const std::string&>().size() != 16) {
        return std::nullopt;
    }
    uint64_t out = 0;
    for (char c : v.get_ref<const std::string&>()) {
        int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (digit < 0) {
            return std::nullopt;
        }
        out = out << 4 | uint64_t(digit);
    }
    return out;
}

// Pool and target go into one key with a newline between them.
bool validPart(const std::string& s) {
    return !s.empty() && s.find('\n') == std::string::npos;
}

}  // namespace

std::optional<state::NodeVote> decodeVote(const std::string& text) {
    json doc = json::parse(text, nullptr, false);
    if (!doc.is_object() || !doc.contains("down") || !doc["down"].is_object()) {
        return std::nullopt;
    }
    state::NodeVote vote;
    auto layout = layoutOf(doc.contains("layout") ? doc["layout"] : json());
    const json& site = doc.contains("site") ? doc["site"] : json("");
    const json& ready = doc.contains("ready") ? doc["ready"] : json(false);
    if (!layout || !site.is_string() || !ready.is_boolean()) {
        return std::nullopt;
    }
    vote.layout = *layout;
    vote.site = site.get<std::string>();
    vote.ready = ready.get<bool>();
    for (const auto& [pool, targets] : doc["down"].items()) {
        if (!targets.is_array() || !validPart(pool)) {
            return std::nullopt;
        }
        for (const auto& target : targets) {
            if (!target.is_string() || !validPart(target.get_ref<const std::string&>())) {
                return std::nullopt;
            }
            vote.down.insert(state::voteKey(pool, target.get<std::string>()));
        }
    }
    return vote;
}

}  // namespace pharos::cluster
