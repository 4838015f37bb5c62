#pragma once
// pdns's JSON for a lookup's answer: `{"result":[records]}`, or `{"result":false}` when nothing
// was found. Part of the remote-backend protocol, the one place that writes results.
#include <string>
#include <string_view>

#include "backend/LookupAnswer.hpp"

namespace pharos::backend {

// Appends the result for `answer` to `reply`; every record is named `qname` (the name as pdns
// spelled it). Appends to buffers that have grown without allocating.
void appendLookupResult(const LookupAnswer& answer, std::string_view qname, std::string& reply);

}  // namespace pharos::backend
