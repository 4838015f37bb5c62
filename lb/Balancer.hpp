#pragma once
// The one interface every load-balancing method implements. decide() is pure apart from the
// pool's own rotation counter: no I/O, no clock, no allocation once `out` has grown.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "conf/Config.hpp"
#include "lb/Health.hpp"

namespace pharos::lb {

struct Client {
    conf::IpAddress resolver;       // pdns's `remote`
    std::optional<conf::Cidr> ecs;  // pdns's `real-remote` when it carried an EDNS Client Subnet
};

struct Answer {
    std::vector<uint32_t> members;  // indices into conf::Pool::members, no duplicates
    int scope_prefix = 0;           // ECS scope: prefix length of the client address used
    bool fallback = false;          // no eligible member; fallback `any` answered
    bool refused = false;           // fallback `refuse`: answer nothing
    void clear() {
        members.clear();
        scope_prefix = 0;
        fallback = refused = false;
    }
};

struct Trace;  // lb/Trace.hpp: why an answer was chosen, for `pharosctl explain`

class Balancer {
  public:
    virtual ~Balancer() = default;
    // health[i] is the verdict of pool.members[i].
    virtual void decide(std::span<const Health> health, const Client& client, Answer& out,
                        Trace* trace = nullptr) const = 0;
};

class TopologyIndex;  // lb/TopologyIndex.hpp

std::unique_ptr<Balancer> makeBalancer(const conf::Pool& pool, const conf::Topology& topology,
                                       const TopologyIndex& index);

}  // namespace pharos::lb
