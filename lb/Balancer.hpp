#pragma once
// The one interface every load-balancing method implements. decide() does no I/O, reads no
// clock and, once `out` and the sampler have grown, allocates nothing. Randomness comes only
// from the caller's WeightedSampler, so a test that seeds it gets the same answers every time.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "conf/Config.hpp"
#include "lb/Health.hpp"
#include "lb/WeightedSampler.hpp"

namespace pharos::lb {

struct Client {
    base::IpAddress resolver;       // pdns's `remote`
    std::optional<base::Cidr> ecs;  // pdns's `real-remote` when it carried an EDNS Client Subnet
};

struct Answer {
    std::vector<uint32_t> members;  // indices into conf::Pool::members, no duplicates
    // How much of the steering address (the ECS subnet or the resolver's address) the answer
    // depends on, as a prefix length; 0 when every client gets the same answer. Caches must not
    // reuse an answer with a non-zero scope for another client.
    int scope_prefix = 0;
    bool steered_by_ecs = false;  // the steering address was the ECS subnet, not the resolver
    bool fallback = false;        // no eligible member; fallback `any` answered
    bool refused = false;         // fallback `refuse`: answer nothing
    int fallback_pool = -1;       // fallback `pool:NAME`: decide again in that pool (index)
    void clear() {
        members.clear();
        scope_prefix = 0;
        steered_by_ecs = fallback = refused = false;
        fallback_pool = -1;
    }
};

// The scopeMask pdns gets with the answer's records. pdns 4.7 caches answers (packet cache and
// query cache) by the question alone unless a record carries a non-zero scopeMask, and the
// largest scopeMask becomes the ECS scope of the reply. So an answer that depends on the
// client always carries one: the ECS scope the decision used, or, when it steered by the
// resolver's own address, one as narrow as what the resolver sent. 0 leaves it cacheable.
int scopeMaskFor(const Answer& answer, const Client& client);

struct Trace;  // lb/Trace.hpp: why an answer was chosen, for `pharosctl explain`

class Balancer {
  public:
    virtual ~Balancer() = default;
    // health[i] is the verdict of pool.members[i].
    virtual void decide(std::span<const Health> health, const Client& client,
                        WeightedSampler& sampler, Answer& out, Trace* trace = nullptr) const = 0;
};

class TopologyIndex;  // lb/TopologyIndex.hpp

std::unique_ptr<Balancer> makeBalancer(const conf::Pool& pool, const conf::Topology& topology,
                                       const TopologyIndex& index);

}  // namespace pharos::lb
