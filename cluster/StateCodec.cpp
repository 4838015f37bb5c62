#include "cluster/StateCodec.hpp"

#include <nlohmann/json.hpp>

namespace pharos::cluster {

using nlohmann::json;

std::string escapeKeyPart(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '%' || c == '/') {
            static const char hex[] = "0123456789ABCDEF";
            out += '%';
            out += hex[uint8_t(c) >> 4];
            out += hex[uint8_t(c) & 15];
        } else {
            out += c;
        }
    }
    return out;
}

StateKeys encodeState(const std::string& state_prefix, const admin::AdminState& state) {
    json doc = admin::adminStateJson(state);
    StateKeys out;
    auto add = [&](const char* list, const char* kind, bool per_member) {
        for (const auto& entry : doc[list]) {
            std::string key = state_prefix + kind + "/" + escapeKeyPart(entry["pool"]);
            if (per_member) {
                key += "/" + escapeKeyPart(entry["address"]);
            }
            out[key] = entry.dump();
        }
    };
    add("overrides", "override", true);
    add("holders", "holder", false);
    add("approvals", "approval", true);
    return out;
}

StateChanges stateChanges(const std::string& state_prefix, const admin::AdminState& before,
                          const admin::AdminState& after) {
    StateKeys was = encodeState(state_prefix, before);
    StateKeys is = encodeState(state_prefix, after);
    StateChanges out;
    for (const auto& [key, value] : is) {
        auto it = was.find(key);
        if (it == was.end() || it->second != value) {
            out[key] = value;
        }
    }
    for (const auto& [key, value] : was) {
        if (!is.count(key)) {
            out[key] = std::nullopt;
        }
    }
    return out;
}

// The entries are gathered into the admin-state file's document and parsed as the file is.
DecodedState decodeState(const std::string& state_prefix, const StateKeys& keys) {
    json doc = {{"version", 2},
                {"overrides", json::array()},
                {"holders", json::array()},
                {"approvals", json::array()}};
    DecodedState out;
    for (const auto& [key, value] : keys) {
        if (key.compare(0, state_prefix.size(), state_prefix) != 0) {
            out.ignored.push_back(key);
            continue;
        }
        std::string kind = key.substr(state_prefix.size());
        kind = kind.substr(0, kind.find('/'));
        json entry = json::parse(value, nullptr, false);
        std::string list = kind == "override" ? "overrides" : kind + "s";
        if (!entry.is_object() || !doc.contains(list)) {
            out.ignored.push_back(key);
            continue;
        }
        doc[list].push_back(std::move(entry));
    }
    auto loaded = admin::parseAdminState(doc.dump(), "etcd " + state_prefix);
    if (auto* errors = std::get_if<std::vector<conf::ConfigError>>(&loaded)) {
        out.error = errors->front().str();
    } else {
        out.state = std::get<admin::AdminState>(std::move(loaded));
    }
    return out;
}

}  // namespace pharos::cluster
