#pragma once
// etcd's v3 JSON gateway: the range that means "every key under a prefix", and reading its
// answers, which another program shaped: a field that may be missing, 64-bit numbers written
// as strings.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace pharos::cluster {

// etcd's range_end for "every key that starts with `prefix`".
std::string prefixEnd(std::string prefix);
// A member of an object, or null: const operator[] on a missing key is undefined.
const nlohmann::json& field(const nlohmann::json& object, const char* key);
// A 64-bit number, written as a string or a number; 0 when missing or not one.
int64_t number(const nlohmann::json& object, const char* key);

}  // namespace pharos::cluster
