#include "health/HealthState.hpp"

namespace pharos::health {

void HealthState::restore(state::MemberState state, uint32_t consecutive_ok,
                          uint32_t consecutive_fail) {
    state_ = state;
    ok_ = consecutive_ok;
    fail_ = consecutive_fail;
}

bool HealthState::record(bool pass, int64_t now_ms) {
    ok_ = pass ? ok_ + 1 : 0;
    fail_ = pass ? 0 : fail_ + 1;
    state::MemberState before = state_;
    if (state_ == state::MemberState::Unknown) {
        change(pass ? state::MemberState::Up : state::MemberState::Down, now_ms);
    } else if (state_ == state::MemberState::Up && fail_ >= uint32_t(retries_) + 1) {
        change(state::MemberState::Down, now_ms);
    } else if (state_ == state::MemberState::Down && ok_ >= uint32_t(rise_)) {
        change(state::MemberState::Up, now_ms);
    }
    return state_ != before;
}

void HealthState::change(state::MemberState to, int64_t now_ms) {
    if (state_ != state::MemberState::Unknown) {
        changes_[next_change_] = now_ms;
        next_change_ = (next_change_ + 1) % changes_.size();
    }
    state_ = to;
}

uint16_t HealthState::recentChanges(int64_t now_ms) const {
    uint16_t n = 0;
    for (int64_t t : changes_) {
        n += t != 0 && now_ms - t <= flap_window_ms_;
    }
    return n;
}

bool HealthState::flapping(int64_t now_ms) const {
    return recentChanges(now_ms) >= state::kFlapChanges;
}

}  // namespace pharos::health
