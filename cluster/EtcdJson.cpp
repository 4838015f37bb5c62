#include "cluster/EtcdJson.hpp"

#include <cstdint>

namespace pharos::cluster {

using nlohmann::json;

std::string prefixEnd(std::string prefix) {
    while (!prefix.empty() && uint8_t(prefix.back()) == 0xff) {
        prefix.pop_back();
    }
    if (prefix.empty()) {
        return std::string(1, '\0');  // etcd: every key
    }
    prefix.back() = char(uint8_t(prefix.back()) + 1);
    return prefix;
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
