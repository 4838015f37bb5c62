#pragma once
// What a pool answers when none of its members may be used (Polaris's `fallback`, and the
// pharos `pool:NAME`, which only names the next pool: lb/FallbackChain decides there).
#include "lb/Balancer.hpp"
#include "lb/Trace.hpp"

namespace pharos::lb {

// `refuse`: no records. `any`: a weighted draw over every weight>0 member, health and regions
// ignored, as Polaris does (drained members excepted: an operator took them out of service). When
// every member looks down the likeliest cause is the prober's own network, and spreading the
// answers keeps some users served; the answer no longer depends on the client, so its scope is 0.
void answerFallback(const conf::Pool& pool, std::span<const Health> health,
                    WeightedSampler& sampler, Answer& out, Trace* trace);

}  // namespace pharos::lb
