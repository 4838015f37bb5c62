#include "lb/Fallback.hpp"

namespace pharos::lb {

bool refuses(const conf::Pool& pool, Answer& out, Trace* trace) {
    if (pool.fallback != conf::Fallback::Refuse) {
        return false;
    }
    out.refused = true;
    if (trace) {
        trace->notes.push_back("no usable member: fallback refuse answers no records");
    }
    return true;
}

void answerFallback(const conf::Pool& pool, const Rotation& rotation, size_t set, Answer& out,
                    Trace* trace) {
    if (refuses(pool, out, trace)) {
        return;
    }
    out.fallback = true;
    rotation.take(
        set, size_t(pool.max_addrs_returned),
        [&](uint32_t i) { return pool.members[i].weight > 0; }, out.members);
    if (trace) {
        trace->notes.push_back(
            "no usable member: fallback any answers weight>0 members whatever their health");
    }
}

}  // namespace pharos::lb
