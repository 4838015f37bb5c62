#pragma once
// etcd's JSON gateway carries keys and values as base64 (protobuf `bytes`).
#include <optional>
#include <string>

namespace pharos::cluster {

std::string toBase64(const std::string& bytes);
// Nothing when `text` is not base64.
std::optional<std::string> fromBase64(const std::string& text);

}  // namespace pharos::cluster
