#pragma once
// /metrics in the Prometheus text exposition format (version 0.0.4): the members' verdicts and
// overrides from the health table, the prober's own counts, and the backend's counts from its
// shared-memory stats block. DNS queries are counted apart from pdns's remote-backend lookups
// (two per A query of a remote-only name).
#include <string>

#include "admin/AdminOverrides.hpp"
#include "admin/PolicyRecords.hpp"
#include "backend/BackendStatsReader.hpp"
#include "conf/Config.hpp"
#include "health/HealthTableReader.hpp"
#include "health/ProbeCounters.hpp"

namespace pharos::http {

struct MetricsInputs {
    const conf::Config& config;
    const health::HealthTableReader& table;  // refreshed by the caller
    const health::ProbeCounters& probes;
    const admin::AdminOverrides& overrides;
    const admin::PolicyRecords& policy;
    const backend::BackendStatsReader& backend;  // refreshed by the caller
    int64_t now_ms;
    int64_t started_ms;  // pharos-health's start
};

std::string metricsText(const MetricsInputs& in);

}  // namespace pharos::http
