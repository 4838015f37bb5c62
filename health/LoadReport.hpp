#pragma once
// The prober's load for /status, `pharosctl status` and the status page: whether it keeps up
// with its schedule, how late its checks are, and what it has excused (health/LoadWatch).
#include <nlohmann/json.hpp>

#include "health/ProbeCounters.hpp"

namespace pharos::health {

nlohmann::json loadJson(const ProbeCounters& counters);

}  // namespace pharos::health
