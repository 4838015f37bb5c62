#pragma once
// The DR policies of one pool (docs/LB.md): failover_after, failover: manual (approval),
// failback: manual (sticky) and maintenance windows, turned into a hold per member that the
// backend applies with the verdict it already reads. Pure logic: no clock, no I/O; the caller
// passes the time, the members' verdicts and the pool's records, so every timeline is a unit
// test. pharos-health is the only caller.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "admin/PolicyRecords.hpp"
#include "conf/Config.hpp"
#include "state/HealthTableLayout.hpp"

namespace pharos::policy {

struct MemberView {
    state::MemberState state = state::MemberState::Unknown;
    int64_t down_since_ms = 0;  // when the probes last changed its state
    state::AdminOverride admin = state::AdminOverride::None;
    bool in_maintenance = false;
    state::PolicyHold hold = state::PolicyHold::None;  // the one published now
    // The state published now: differs from `state` while a probe's change is being decided,
    // and tells whether the backend was answering the member a moment ago.
    state::MemberState published = state::MemberState::Unknown;
};

// Something a person should hear about: pharos-health logs it and sends it to the webhooks
// as `policy:<what>`.
struct PolicyEvent {
    std::string
        what;  // approval-pending, approval-cleared, holder-set, holder-moved, holder-cleared
    std::string member;  // name, or empty
    std::string detail;
};

// Whether `pool` has a policy at all; the others need no deciding and keep hold None.
bool hasPolicy(const conf::Pool& pool, bool has_windows);

// Sets holds[i] for every member of `pool` at `now_ms` and updates the pool's entries in
// `records` (holder, pending approvals). Every change to `records` comes with an event, so
// the caller saves them when the list is not empty. While a member has no first verdict no
// holder is set, moved or cleared: which member the normal rules prefer is not known yet.
// `restore`: the first decision after pharos-health started. Members the table shows held off
// with no holder in the records mean the records were lost (the admin-state file deleted or
// unreadable): the holder is restored so the answers stay. Later, the same sight is an
// operator's failback.
std::vector<PolicyEvent> decideHolds(const conf::Pool& pool, std::span<const MemberView> members,
                                     admin::PolicyRecords& records, int64_t now_ms,
                                     std::span<state::PolicyHold> holds, bool restore = false);

// When the failover_after hold of a member that went down at `down_since_ms` ends.
inline int64_t failoverDeadline(const conf::Pool& pool, int64_t down_since_ms) {
    return down_since_ms + int64_t(pool.failover_after.count() * 1000);
}

// Whether a maintenance window of `pool` covers `member` at `now_ms`.
bool inMaintenance(const conf::Config& config, const conf::Pool& pool, const conf::Member& member,
                   int64_t now_ms);
// When the maintenance of `member`, under way at `now_ms`, ends: overlapping and touching
// windows count as one.
int64_t windowEnd(const conf::Config& config, const conf::Pool& pool, const conf::Member& member,
                  int64_t now_ms);

}  // namespace pharos::policy
