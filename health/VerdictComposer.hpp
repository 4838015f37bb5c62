#pragma once
// The verdict pharos-health publishes for one member, composed from plain values: its own
// checks' state and last failure, then the cluster's votes (a pool whose health_quorum is not
// local), then its dependencies (depends_on), carrying the admin override and the DR policy's
// hold that the verdict word holds beside the state. Pure: no table, no clock, no I/O, so every
// combination is a row of a unit test (test/health/VerdictComposerTest.cpp); ProbeRun feeds it
// what it reads from its HealthState, the VoteBook and the table.
#include <cstdint>
#include <optional>
#include <span>

#include "conf/Config.hpp"
#include "state/HealthTableLayout.hpp"
#include "state/VoteBook.hpp"

namespace pharos::health {

struct VerdictInputs {
    // Its own checks (HealthState): their state and the last check's failure, which is kept
    // even while retries keep the member up.
    state::MemberState own = state::MemberState::Unknown;
    state::FailureReason own_reason = state::FailureReason::None;
    uint16_t own_detail = 0;
    // The cluster's votes on it; none: standalone, or a pool whose quorum is local.
    conf::HealthQuorum quorum = conf::HealthQuorum::Local;
    std::optional<state::Tally> votes;
    // The states published for the members it depends on, in depends_on's order.
    std::span<const state::MemberState> dependencies;
    // What the verdict word carries beside the state; set by operators and the DR policies,
    // never by the probes.
    state::AdminOverride admin = state::AdminOverride::None;
    state::PolicyHold hold = state::PolicyHold::None;
};

struct Verdict {
    state::MemberState state = state::MemberState::Unknown;
    state::FailureReason reason = state::FailureReason::None;
    // Which dependency (its index in depends_on), how many votes or which expected_json entry
    // `reason` is about.
    uint16_t detail = 0;
    state::AdminOverride admin = state::AdminOverride::None;
    state::PolicyHold hold = state::PolicyHold::None;
    // Whether the backend answers the member (state::answerable: the hold, then the override,
    // then the state).
    bool answerable() const { return state::answerable(state, admin, hold); }
    friend bool operator==(const Verdict&, const Verdict&) = default;
};

// Its own verdict; outvoted down by the quorum (QuorumDown, detail: the votes that see it
// down), or, outvoted up, still with its own failure so an operator sees this node's view;
// then, while up, down when a dependency is down (DependencyDown, detail: the first such
// dependency's index). Unknown is not down, for the votes as for the dependencies.
Verdict composeVerdict(const VerdictInputs& in);

}  // namespace pharos::health
