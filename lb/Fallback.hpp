#pragma once
// What a pool answers when none of its members may be used (Polaris's `fallback`).
#include "lb/Balancer.hpp"
#include "lb/Rotation.hpp"
#include "lb/Trace.hpp"

namespace pharos::lb {

// `refuse`: marks the answer refused (no records) and returns true.
bool refuses(const conf::Pool& pool, Answer& out, Trace* trace);

// `refuse`: no records. `any`: weighted round-robin over every weight>0 member, health and
// regions ignored, using rotation set `set`.
void answerFallback(const conf::Pool& pool, const Rotation& rotation, size_t set, Answer& out,
                    Trace* trace);

}  // namespace pharos::lb
