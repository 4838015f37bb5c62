#pragma once
#include <cstdint>

namespace pharos::lb {

// A member's effective verdict as the balancer sees it, admin overrides already applied by the
// caller. Only Up members take part; Unknown counts as not up, as in Polaris.
enum class Health : uint8_t { Unknown = 0, Up = 1, Down = 2 };

}  // namespace pharos::lb
