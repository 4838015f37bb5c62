#pragma once
// The up/down decision for one member from its probe results, with Polaris's counting: down
// after retries+1 failures in a row, back up after `rise` successes in a row (1 in Polaris).
// Pure logic, fed booleans, so every threshold is testable without a socket.
#include <array>
#include <cstdint>

#include "state/HealthTableLayout.hpp"

namespace pharos::health {

class HealthState {
  public:
    HealthState(int retries, int rise, int64_t interval_ms)
        : retries_(retries), rise_(rise), flap_window_ms_(flapWindow(interval_ms)) {}

    // Continues from what an earlier table recorded (restart or reload).
    void restore(state::MemberState state, uint32_t consecutive_ok, uint32_t consecutive_fail);

    // Records one probe result; returns true when the state changed. A member's first result
    // decides its first state at once: there is no earlier verdict for hysteresis to protect,
    // and waiting would keep the table not-ready (and the backend failing open) for longer.
    bool record(bool pass, int64_t now_ms);

    state::MemberState state() const { return state_; }
    uint32_t consecutiveOk() const { return ok_; }
    uint32_t consecutiveFail() const { return fail_; }
    // Changed state state::kFlapChanges times within the window: worth an operator's look.
    bool flapping(int64_t now_ms) const;
    uint16_t recentChanges(int64_t now_ms) const;

  private:
    static int64_t flapWindow(int64_t interval_ms) {
        return interval_ms * 20 > 60000 ? interval_ms * 20 : 60000;
    }
    void change(state::MemberState to, int64_t now_ms);

    int retries_;
    int rise_;
    int64_t flap_window_ms_;
    state::MemberState state_ = state::MemberState::Unknown;
    uint32_t ok_ = 0;
    uint32_t fail_ = 0;
    std::array<int64_t, state::kFlapChanges> changes_{};  // ring of the last change times
    size_t next_change_ = 0;
};

}  // namespace pharos::health
