#include "lb/Fallback.hpp"

namespace pharos::lb {

void answerFallback(const conf::Pool& pool, std::span<const Health> health,
                    WeightedSampler& sampler, Answer& out, Trace* trace) {
    out.members.clear();
    out.scope_prefix = 0;
    if (pool.fallback == conf::Fallback::Refuse) {
        out.refused = true;
        if (trace) {
            trace->notes.push_back("no usable member: fallback refuse answers no records");
        }
        return;
    }
    out.fallback = true;
    if (pool.fallback == conf::Fallback::Pool) {
        out.fallback_pool = pool.fallback_pool_index;  // lb/FallbackChain walks on
        if (trace) {
            trace->notes.push_back("no usable member: fallback to pool " + pool.fallback_pool);
        }
        return;
    }
    sampler.draw(
        pool, size_t(pool.max_addrs_returned),
        [&](uint32_t i) { return pool.members[i].weight > 0 && health[i] != Health::Drained; },
        out.members);
    if (trace) {
        trace->notes.push_back(
            out.members.empty()
                ? "no usable member, and every weight>0 member is drained: no records"
                : "no usable member: fallback any draws from every weight>0 member whatever its "
                  "health, drained ones excepted");
    }
}

}  // namespace pharos::lb
