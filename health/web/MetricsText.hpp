#pragma once
// /metrics in the Prometheus text exposition format (version 0.0.4): the members' verdicts and
// overrides from the health table, the prober's own counts, and the backend's counts from its
// shared-memory stats block. DNS queries are counted apart from pdns's remote-backend lookups
// (two per A query of a remote-only name).
#include <optional>
#include <string>
#include <vector>

#include "admin/AdminOverrides.hpp"
#include "admin/PolicyRecords.hpp"
#include "conf/Config.hpp"
#include "health/ProbeCounters.hpp"
#include "state/BackendStatsReader.hpp"
#include "state/HealthTableReader.hpp"
#include "state/HeartbeatWatch.hpp"

namespace pharos::web {

// One `notify:` webhook's counts (notify::WebhookQueue), copied so this file needs no notify/.
struct WebhookMetrics {
    std::string url;  // WebhookTarget::shown: without its path
    uint64_t delivered = 0;
    uint64_t failed_attempts = 0;
    uint64_t dropped = 0;
    uint64_t queued = 0;
};

// The cluster link's state (cluster::ClusterLink), copied for the same reason.
struct ClusterMetrics {
    std::string node;
    bool connected = false;
    uint64_t failures = 0;
    size_t live_nodes = 0;  // nodes whose vote this node counts, itself included
    int64_t since_ms = 0;   // of the last change between connected and not
};

struct MetricsInputs {
    const conf::Config& config;
    const state::HealthTableReader& table;  // refreshed by the caller
    const health::ProbeCounters& probes;
    const admin::AdminOverrides& overrides;
    const admin::PolicyRecords& policy;
    const state::BackendStatsReader& backend;  // refreshed by the caller
    int64_t now_ms;
    int64_t started_ms;  // pharos-health's start
    std::vector<WebhookMetrics> webhooks = {};
    std::optional<ClusterMetrics> cluster = {};  // none: standalone
    state::HeartbeatWatch* heartbeat = nullptr;  // the caller's, kept across scrapes
};

std::string metricsText(const MetricsInputs& in);

}  // namespace pharos::web
