#include "cluster/EtcdJson.hpp"

#include "cluster/Base64.hpp"

namespace pharos::cluster {

using nlohmann::json;

std::string prefixEnd(std::string prefix) {
    prefix.back() = char(prefix.back() + 1);  // prefixes end with '/', never with 0xff
    return prefix;
}

json prefixRange(const std::string& prefix) {
    return {{"key", toBase64(prefix)}, {"range_end", toBase64(prefixEnd(prefix))}};
}

json createOnce(const std::string& key, const std::string& value) {
    return {{"compare", {{{"key", toBase64(key)}, {"target", "CREATE"}, {"create_revision", "0"}}}},
            {"success", {{{"request_put", {{"key", toBase64(key)}, {"value", toBase64(value)}}}}}}};
}

json putsAndDeletes(const std::map<std::string, std::optional<std::string>>& changes) {
    json ops = json::array();
    for (const auto& [key, value] : changes) {
        if (value) {
            ops.push_back({{"request_put", {{"key", toBase64(key)}, {"value", toBase64(*value)}}}});
        } else {
            ops.push_back({{"request_delete_range", {{"key", toBase64(key)}}}});
        }
    }
    return ops;
}

const json& field(const json& object, const char* key) {
    static const json none;
    if (!object.is_object()) {
        return none;
    }
    auto it = object.find(key);
    return it == object.end() ? none : *it;
}

int64_t number(const json& object, const char* key) {
    if (!object.is_object() || !object.contains(key)) {
        return 0;
    }
    const json& v = object[key];
    if (v.is_number_integer()) {
        return v.get<int64_t>();
    }
    if (v.is_string()) {
        try {
            return std::stoll(v.get<std::string>());
        } catch (const std::exception&) {
        }
    }
    return 0;
}

}  // namespace pharos::cluster
