#pragma once
// etcd's v3 JSON gateway: the requests' parts (keys and values in base64), and reading its
// answers, which another program shaped: a field that may be missing, 64-bit numbers written
// as strings.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace pharos::cluster {

// etcd's range_end for "every key that starts with `prefix`" (which ends with '/').
std::string prefixEnd(std::string prefix);
// {"key", "range_end"}: every key under `prefix`, for a range or a watch.
nlohmann::json prefixRange(const std::string& prefix);
// A transaction that creates `key` with `value` only if it does not exist yet.
nlohmann::json createOnce(const std::string& key, const std::string& value);
// A transaction's operations: a put for each key with a value, a delete for each without.
nlohmann::json putsAndDeletes(const std::map<std::string, std::optional<std::string>>& changes);
// A member of an object, or null: const operator[] on a missing key is undefined.
const nlohmann::json& field(const nlohmann::json& object, const char* key);
// A 64-bit number, written as a string or a number; 0 when missing or not one.
int64_t number(const nlohmann::json& object, const char* key);

}  // namespace pharos::cluster
