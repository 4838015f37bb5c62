#include "notify/NotifyEvent.hpp"

#include "base/Timestamp.hpp"

namespace pharos::notify {

nlohmann::json toJson(const NotifyEvent& e, const std::string& node, uint64_t sequence) {
    nlohmann::json j = {{"what", e.what},       {"pool", e.pool},
                        {"member", e.member},   {"address", e.address},
                        {"old", e.old_state},   {"new", e.new_state},
                        {"reason", e.reason},   {"time", base::formatRfc3339(e.time_ms)},
                        {"time_ms", e.time_ms}, {"node", node},
                        {"sequence", sequence}};
    if (e.alert_only) {
        j["alert_only"] = true;
    }
    return j;
}

}  // namespace pharos::notify
