#pragma once
// The prober's view of the cluster for /status, `pharosctl status` and `pharosctl explain`:
// its link to etcd and the nodes that vote, and each node's vote on every member.
#include <nlohmann/json.hpp>

#include "cluster/ClusterLink.hpp"
#include "conf/Config.hpp"

namespace pharos::health {

// The link and the nodes; null when standalone (`link` null).
nlohmann::json clusterJson(const cluster::ClusterLink* link);
// pool -> member address -> node -> vote; empty when standalone.
nlohmann::json votesJson(const cluster::ClusterLink* link, const conf::Config& config);

}  // namespace pharos::health
