#include "state/FailureText.hpp"

namespace pharos::state {

std::string failureText(const conf::Config& config, const conf::Pool& pool,
                        const conf::Member& member, FailureReason reason, uint16_t detail) {
    const auto& http = pool.params->http;
    switch (reason) {
        case FailureReason::BodyRegex:
            return detail == 1 ? "body_regex gave up: too costly to search this body"
                               : "body_regex /" + http.body_regex + "/ did not match";
        case FailureReason::NoMatch:
            return detail == 1 ? "match_re gave up: too costly to search this reply"
                               : "match_re /" + pool.params->tcp.match_re + "/ did not match";
        case FailureReason::JsonMismatch:
            if (detail < http.expected_json.size()) {
                const auto& e = http.expected_json[detail];
                return "expected_json " + (e.pointer.empty() ? "\"\"" : e.pointer) + " is not " +
                       e.value;
            }
            break;
        case FailureReason::DependencyDown:
            if (detail < member.depends_on.size()) {
                const auto& ref = member.depends_on[detail];
                const auto& target = config.pools[size_t(ref.pool)];
                return "down because of dependency " + target.name + "/" +
                       target.members[ref.member].name;
            }
            break;
        case FailureReason::ResolveFailed:
            return "cname " + member.cname + " did not resolve";
        case FailureReason::QuorumDown:
            return "down by the cluster's votes: " + std::to_string(detail) +
                   (detail == 1 ? " vantage point sees" : " vantage points see") +
                   " it down (health_quorum: " + conf::toString(pool.health_quorum) + ")";
        default:
            break;
    }
    return toString(reason);
}

}  // namespace pharos::state
