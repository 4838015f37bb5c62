#pragma once
// What pharos-health serves on `http.listen`: /metrics (Prometheus text), /status (the JSON
// `pharosctl status --json` prints) and the status page, each built at its request from the
// table, the backend's stats block, the admin state, the webhooks' counts and the cluster.
// The prober listens rather than the backend because it owns the state the pages show and its
// loop has room; the backend's counts reach it through shared memory.
#include <cstdint>
#include <string>

#include "cluster/ClusterLink.hpp"
#include "conf/Config.hpp"
#include "health/AdminStateKeeper.hpp"
#include "health/EventReporter.hpp"
#include "health/ProbeCounters.hpp"
#include "health/web/HttpServer.hpp"
#include "state/HeartbeatWatch.hpp"

namespace pharos::health {

class StatusPages {
  public:
    // `cluster`: null when standalone; `started_ms`: pharos-health's start.
    StatusPages(const ProbeCounters& counters, const AdminStateKeeper& keeper,
                const EventReporter& events, const cluster::ClusterLink* cluster,
                int64_t started_ms);

    // `target`: the request's path and query, for the running configuration `config`.
    web::Response serve(const conf::Config& config, const std::string& target) const;

  private:
    const ProbeCounters& counters_;
    const AdminStateKeeper& keeper_;
    const EventReporter& events_;
    const cluster::ClusterLink* cluster_;
    int64_t started_ms_;
    // Kept across requests, as the backend keeps its own: a step of the wall clock does not
    // show the table stale on /metrics and /status while the backend trusts it.
    mutable state::HeartbeatWatch heartbeat_;
};

}  // namespace pharos::health
