#include "health/VerdictComposer.hpp"

namespace pharos::health {

namespace {

void applyQuorum(const VerdictInputs& in, Verdict& v) {
    if (!in.votes || in.quorum == conf::HealthQuorum::Local) {
        return;
    }
    state::MemberState combined = state::quorumState(in.quorum, v.state, *in.votes);
    if (combined == v.state) {
        return;
    }
    v.state = combined;
    if (combined == state::MemberState::Down) {
        v.reason = state::FailureReason::QuorumDown;
        v.detail = uint16_t(in.votes->down);
    }  // outvoted the other way, it keeps its own failure: an operator sees this node's view
}

// A member whose checks pass is down while a member it depends on is (the state published for
// that one, so chains carry through).
void applyDependencies(const VerdictInputs& in, Verdict& v) {
    if (v.state != state::MemberState::Up) {
        return;
    }
    for (size_t i = 0; i < in.dependencies.size(); ++i) {
        if (in.dependencies[i] == state::MemberState::Down) {
            v.state = state::MemberState::Down;
            v.reason = state::FailureReason::DependencyDown;
            v.detail = uint16_t(i);
            return;
        }
    }
}

}  // namespace

Verdict composeVerdict(const VerdictInputs& in) {
    Verdict v{in.own, in.own_reason, in.own_detail, in.admin, in.hold};
    applyQuorum(in, v);
    applyDependencies(in, v);
    return v;
}

}  // namespace pharos::health
