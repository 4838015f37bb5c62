#pragma once
// Something operators are told about through the webhooks: a member's state changed, a DR
// policy decided (a failover held for approval, answers held on a member), an admin override
// was set, ended or cleared.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace pharos::notify {

struct NotifyEvent {
    std::string what;  // member-state, policy:<event>, admin-override
    std::string pool;
    std::string member;   // name; empty for a pool-wide event
    std::string address;  // the member's address or cname
    std::string old_state;
    std::string new_state;
    std::string reason;
    int64_t time_ms = 0;  // CLOCK_REALTIME
    bool alert_only = false;
};

// The JSON a webhook receives: the event, the node that saw it and its place in the order the
// node sent them (`sequence`, from 1 at the start of pharos-health).
nlohmann::json toJson(const NotifyEvent& event, const std::string& node, uint64_t sequence);

}  // namespace pharos::notify
