#pragma once
#include <cstdint>

namespace pharos::lb {

// A member's effective verdict as the balancer sees it, admin overrides already applied by the
// caller (forced up is Up, forced down is Down). Only Up members take part; Unknown counts as
// not up, as in Polaris. Drained is an operator taking the member out of service: unlike Down,
// not even fallback `any` answers it.
enum class Health : uint8_t { Unknown = 0, Up = 1, Down = 2, Drained = 3 };

}  // namespace pharos::lb
