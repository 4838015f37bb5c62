#include "health/ClusterReport.hpp"

namespace pharos::health {

using nlohmann::json;

json clusterJson(const cluster::ClusterLink* link) {
    if (!link) {
        return nullptr;
    }
    const auto& st = link->status();
    const auto& s = link->settings();
    json nodes = json::object();
    for (const auto& [name, vote] : link->votes().nodes()) {
        nodes[name] = {{"site", vote.site}, {"ready", vote.ready}, {"down", vote.down.size()}};
    }
    return {{"node", s.node},
            {"site", s.site},
            {"store", st.connected ? "connected" : "unreachable"},
            {"store_since_ms", st.since_ms},
            {"store_failures", st.failures},
            {"store_error", st.last_error},
            {"endpoint", st.endpoint},
            {"revision", st.revision},
            {"live_nodes", link->votes().liveNodes()},
            {"nodes", nodes}};
}

json votesJson(const cluster::ClusterLink* link, const conf::Config& config) {
    json votes = json::object();
    if (!link) {
        return votes;
    }
    for (const auto& pool : config.pools) {
        for (const auto& m : pool.members) {
            std::string target = conf::memberTarget(m);
            votes[pool.name][target] = link->votes().votesOn(state::voteKey(pool.name, target));
        }
    }
    return votes;
}

}  // namespace pharos::health
