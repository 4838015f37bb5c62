#include "state/HealthTableLayout.hpp"

namespace pharos::state {

SlotView loadSlot(const Slot& s) {
    constexpr auto relaxed = std::memory_order_relaxed;
    SlotView v;
    uint32_t word = s.verdict.load(relaxed);
    v.state = verdictState(word);
    v.admin = verdictAdmin(word);
    v.flapping = verdictFlapping(word);
    v.hold = verdictHold(word);
    v.key = s.key.load(relaxed);
    v.last_change_ms = s.last_change_ms.load(relaxed);
    v.last_check_ms = s.last_check_ms.load(relaxed);
    v.latency_us = s.latency_us.load(relaxed);
    v.consecutive_ok = s.consecutive_ok.load(relaxed);
    v.consecutive_fail = s.consecutive_fail.load(relaxed);
    v.reason = FailureReason(s.reason.load(relaxed));
    v.flaps = s.flaps.load(relaxed);
    v.detail = s.detail.load(relaxed);
    v.stale = s.stale.load(relaxed) != 0;
    return v;
}

const char* toString(FailureReason r) {
    switch (r) {
        case FailureReason::None:
            return "none";
        case FailureReason::Timeout:
            return "timeout";
        case FailureReason::ConnectRefused:
            return "connection refused";
        case FailureReason::ConnectError:
            return "connect error";
        case FailureReason::TlsError:
            return "TLS error";
        case FailureReason::BadStatus:
            return "unexpected status";
        case FailureReason::BodyMismatch:
            return "body mismatch";
        case FailureReason::Malformed:
            return "malformed response";
        case FailureReason::ClosedEarly:
            return "closed early";
        case FailureReason::NoMatch:
            return "no match";
        case FailureReason::DnsRcode:
            return "unexpected rcode";
        case FailureReason::DnsAnswer:
            return "unexpected answer";
        case FailureReason::ForcedDown:
            return "forced down";
        case FailureReason::SendError:
            return "send error";
        case FailureReason::BodyRegex:
            return "body_regex mismatch";
        case FailureReason::JsonInvalid:
            return "body not JSON";
        case FailureReason::JsonMismatch:
            return "expected_json mismatch";
        case FailureReason::DependencyDown:
            return "dependency down";
        case FailureReason::ResolveFailed:
            return "name resolution failed";
        case FailureReason::QuorumDown:
            return "down by the cluster's votes";
    }
    return "?";
}

const char* toString(MemberState s) {
    switch (s) {
        case MemberState::Unknown:
            return "unknown";
        case MemberState::Up:
            return "up";
        case MemberState::Down:
            return "down";
    }
    return "?";
}

const char* toString(AdminOverride a) {
    switch (a) {
        case AdminOverride::None:
            return "none";
        case AdminOverride::ForcedUp:
            return "force-up";
        case AdminOverride::ForcedDown:
            return "force-down";
        case AdminOverride::Drain:
            return "drain";
    }
    return "?";
}

const char* adminText(AdminOverride a) {
    switch (a) {
        case AdminOverride::None:
            return "not overridden";
        case AdminOverride::ForcedUp:
            return "forced up";
        case AdminOverride::ForcedDown:
            return "forced down";
        case AdminOverride::Drain:
            return "drained";
    }
    return "?";
}

const char* toString(PolicyHold h) {
    switch (h) {
        case PolicyHold::None:
            return "";
        case PolicyHold::FailoverAfter:
            return "failover-after";
        case PolicyHold::AwaitingApproval:
            return "awaiting-approval";
        case PolicyHold::HeldOff:
            return "held-off";
        case PolicyHold::Maintenance:
            return "maintenance";
    }
    return "?";
}

}  // namespace pharos::state
