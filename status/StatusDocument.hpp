#pragma once
// The status document: the health table as the backend uses it, every member with its probe
// state, override and effective verdict, and what each globalname answers now. `pharosctl
// status --json`, pharos-health's /status and its status page all show this one document.
#include <nlohmann/json.hpp>
#include <string>

#include "admin/AdminOverrides.hpp"
#include "admin/PolicyRecords.hpp"
#include "conf/Config.hpp"
#include "state/HealthTableReader.hpp"
#include "state/HeartbeatWatch.hpp"
#include "state/VoteBook.hpp"

namespace pharos::status {

struct StatusInputs {
    const conf::Config& config;
    const state::HealthTableReader& table;  // refreshed by the caller
    const admin::AdminOverrides& overrides;
    const admin::PolicyRecords& policy;
    std::string overrides_error;             // why the admin-state file could not be read, if so
    int64_t now_ms;                          // CLOCK_REALTIME
    nlohmann::json cluster = nullptr;        // the prober's view of the cluster; null: standalone
    nlohmann::json prober = nullptr;         // the prober's load (health/LoadReport); null: unknown
    const state::VoteBook* votes = nullptr;  // each node's votes, when in a cluster
    state::HeartbeatWatch* heartbeat = nullptr;  // the caller's, when it keeps looking
};

nlohmann::json statusDocument(const StatusInputs& in);

const char* toString(lb::Health health);

}  // namespace pharos::status
