#pragma once
// Reads a pdns `lookup` request without building a JSON tree or allocating: the common case of
// the hot path. Anything it does not fully understand (escapes, other methods, odd shapes)
// makes it give up, and the caller parses the request properly with nlohmann::json.
#include <string_view>

#include "backend/LookupRequest.hpp"

namespace pharos::backend {

// True when `text` is exactly one JSON object {"method":"lookup","parameters":{...}} whose
// parameters it could read; fills `out` with views into `text`.
bool scanLookup(std::string_view text, LookupRequest& out);

}  // namespace pharos::backend
