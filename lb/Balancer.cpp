#include "lb/Balancer.hpp"

#include "lb/Methods.hpp"

namespace pharos::lb {

int scopeMaskFor(const Answer& answer, const Client& client) {
    if (answer.scope_prefix == 0) {
        return 0;
    }
    if (answer.steered_by_ecs) {
        return answer.scope_prefix;
    }
    return client.ecs && client.ecs->prefix > 0 ? client.ecs->prefix : client.resolver.bitLength();
}

std::unique_ptr<Balancer> makeBalancer(const conf::Pool& pool, const conf::Topology& topology,
                                       const TopologyIndex& index) {
    switch (pool.lb_method) {
        case conf::LbMethod::Wrr:
            return makeWeightedRoundRobin(pool);
        case conf::LbMethod::FoGroup:
            return makeFailoverGroup(pool);
        case conf::LbMethod::Twrr:
            return makeTopologyWeightedRoundRobin(pool, topology, index);
        case conf::LbMethod::CHash:
            return makeConsistentHash(pool);
    }
    return makeWeightedRoundRobin(pool);
}

}  // namespace pharos::lb
