#include "health/HealthTableLayout.hpp"

namespace pharos::health {

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
            return "forced-up";
        case AdminOverride::ForcedDown:
            return "forced-down";
        case AdminOverride::Drain:
            return "drain";
    }
    return "?";
}

}  // namespace pharos::health
