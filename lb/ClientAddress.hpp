#pragma once
// Which address a decision steers by, and the helpers every method shares.
#include "lb/Balancer.hpp"
#include "lb/Trace.hpp"

namespace pharos::lb {

struct ClientView {
    base::IpAddress address;
    int source_prefix = 0;  // ECS source prefix length; the full length for a resolver
    bool from_ecs = false;
};

// The ECS subnet when the resolver sent one and the pool uses it (`client_address: ecs`, the
// default), else the resolver's own address, as Polaris always does. An ECS source prefix of 0
// says the client wants no address used (RFC 7871), so the resolver's address is used then.
ClientView chooseClient(const conf::Pool& pool, const Client& client, Trace* trace);

// Records in `out` that the answer depends on the first `prefix` bits of the steering address.
inline void dependOn(const ClientView& view, int prefix, Answer& out) {
    out.scope_prefix = prefix;
    out.steered_by_ecs = view.from_ecs;
}

// Only members that are up and have weight > 0 take part (Polaris).
inline bool usable(const conf::Member& member, Health health) {
    return health == Health::Up && member.weight > 0;
}

// Notes in the trace why each member that is not usable was skipped.
void traceUnusable(const conf::Pool& pool, std::span<const Health> health, Trace* trace);

}  // namespace pharos::lb
