#pragma once
// `fallback: pool:NAME` chains: when no member of a pool may be used, the answer comes from the
// named pool by its own method and health, and from that pool's fallback in turn. The loader
// refuses missing pools and loops; the walk still stops after one step per pool. lb::Chain
// walks it for the backend and every view of what the backend answers.
#include <cstddef>
#include <span>

#include "conf/Config.hpp"
#include "lb/PoolBalancer.hpp"
#include "lb/Trace.hpp"

namespace pharos::lb {

// balancer_of(p) -> const PoolBalancer&; health_of(p) -> std::span<const Health> for pool p;
// trace_of(step, p) -> Trace* (null when not tracing). Returns the pool whose members
// `out.members` index; `out.fallback` is set when that is not the first pool. A pool on the chain
// without members of `family` passes its turn on when its own fallback is a pool, and otherwise
// ends the walk with no members.
template <class BalancerOf, class HealthOf, class TraceOf>
size_t decideWithFallbacks(const conf::Config& config, size_t pool, base::Family family,
                           BalancerOf&& balancer_of, HealthOf&& health_of, TraceOf&& trace_of,
                           const Client& client, WeightedSampler& sampler, Answer& out) {
    for (size_t step = 0; step <= config.pools.size(); ++step) {
        const PoolBalancer& balancer = balancer_of(pool);
        if (step > 0 && !balancer.serves(family)) {
            const conf::Pool& p = config.pools[pool];
            out.clear();
            out.fallback = true;
            if (Trace* trace = trace_of(step, pool)) {
                trace->notes.push_back(p.fallback_pool_index < 0
                                           ? "no member of this family: no records"
                                           : "no member of this family: on to pool " +
                                                 p.fallback_pool);
            }
            if (p.fallback_pool_index < 0) {
                return pool;
            }
            pool = size_t(p.fallback_pool_index);
            continue;
        }
        balancer.decide(family, health_of(pool), client, sampler, out, trace_of(step, pool));
        if (out.fallback_pool < 0) {
            out.fallback = out.fallback || step > 0;  // the first pool had no usable member
            return pool;
        }
        pool = size_t(out.fallback_pool);
    }
    out.clear();  // unreachable with a loaded configuration: loops are refused
    return pool;
}

}  // namespace pharos::lb
