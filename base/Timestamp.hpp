#pragma once
// RFC 3339 date-times, as maintenance windows are written and shown: an explicit offset is
// required, because a window read in the server's local zone would drain at the wrong hour
// on a node set to another zone.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pharos::base {

// "2026-11-26T05:00:00Z", "2026-11-26T06:00:00.5+01:00" -> milliseconds since the epoch.
std::optional<int64_t> parseRfc3339(std::string_view text);
// UTC, to the second: "2026-11-26T05:00:00Z".
std::string formatRfc3339(int64_t ms);

}  // namespace pharos::base
