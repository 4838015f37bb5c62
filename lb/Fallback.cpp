#include "lb/Fallback.hpp"

namespace pharos::lb {

void answerFallback(const conf::Pool& pool, WeightedSampler& sampler, Answer& out, Trace* trace) {
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
    sampler.draw(
        pool, size_t(pool.max_addrs_returned),
        [&](uint32_t i) { return pool.members[i].weight > 0; }, out.members);
    if (trace) {
        trace->notes.push_back(
            "no usable member: fallback any draws from every weight>0 member whatever its "
            "health");
    }
}

}  // namespace pharos::lb
