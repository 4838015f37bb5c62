#include "health/LoadReport.hpp"

namespace pharos::health {

nlohmann::json loadJson(const ProbeCounters& c) {
    const auto& l = c.load;
    nlohmann::json j = {{"behind", l.behind},
                        {"late_seconds", l.lateness_s},
                        {"loop_lag_seconds", l.loop_lag_s},
                        {"in_flight", l.in_flight},
                        {"waiting", l.waiting},
                        {"max_in_flight", l.max_in_flight},
                        {"members_stale", l.members_stale},
                        {"checks_late", c.checks_late},
                        {"checks_skipped", c.checks_skipped},
                        {"failures_discounted", c.failures_discounted}};
    if (l.behind) {
        j["behind_since_ms"] = l.behind_since_ms;
        j["worst_late_seconds"] = l.worst_lateness_s;
    }
    return j;
}

}  // namespace pharos::health
