#pragma once
// What ProbeRun keeps per member: its place in the schedule and its own checks' state.
#include <chrono>
#include <cstdint>
#include <vector>

#include "conf/Config.hpp"
#include "health/HealthState.hpp"
#include "health/ProbeRun.hpp"
#include "health/checks/Monitor.hpp"
#include "state/HealthTableLayout.hpp"

namespace pharos::health {

struct ProbeRun::MemberProbe {
    const conf::Pool* pool;
    const conf::Member* member;
    Monitor* monitor;  // null: forced
    uint32_t slot;
    ProbeTarget target;
    HealthState state;
    bool in_flight = false;
    bool tick_missed = false;  // a tick came while a check was in flight
    bool waiting = false;      // due, and waiting for a slot among health.max_in_flight
    bool stale = false;        // no check has counted for longer than staleAfter()
    std::chrono::steady_clock::time_point due{};           // of the check waiting or in flight
    std::chrono::steady_clock::time_point missed{};        // when the tick_missed tick came due
    std::chrono::steady_clock::time_point started{};       // of the check in flight
    std::chrono::steady_clock::time_point last_counted{};  // the last check that counted
    bool by_name = false;    // a cname member probed at what its name resolves to
    bool resolving = false;  // its name's resolution has not returned yet
    state::FailureReason own_reason = state::FailureReason::None;  // of its own last failed check
    uint16_t own_detail = 0;
    std::vector<uint32_t> dependents{};  // slots of the members that depend on this one
};

}  // namespace pharos::health
