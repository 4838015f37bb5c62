#pragma once
// One factory per method, each defined in the method's own file.
#include <memory>

#include "lb/Balancer.hpp"
#include "lb/TopologyIndex.hpp"

namespace pharos::lb {

std::unique_ptr<Balancer> makeWeightedRoundRobin(const conf::Pool& pool);
std::unique_ptr<Balancer> makeFailoverGroup(const conf::Pool& pool);
std::unique_ptr<Balancer> makeTopologyWeightedRoundRobin(const conf::Pool& pool,
                                                         const conf::Topology& topology,
                                                         const TopologyIndex& index);
std::unique_ptr<Balancer> makeConsistentHash(const conf::Pool& pool);

}  // namespace pharos::lb
