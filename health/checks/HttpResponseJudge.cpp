#include "health/checks/HttpResponseJudge.hpp"

#include <algorithm>

namespace pharos::health {

HttpResponseJudge::HttpResponseJudge(conf::HttpParams params) : params_(std::move(params)) {
    if (!params_.body_regex.empty()) {
        body_regex_.emplace(params_.body_regex, boost::regex::ECMAScript);
    }
    for (const auto& e : params_.expected_json) {
        expected_json_.emplace_back(nlohmann::json::json_pointer(e.pointer),
                                    nlohmann::json::parse(e.value));
    }
}

ProbeFailure HttpResponseJudge::judge(unsigned status, std::string_view body) const {
    const auto& codes = params_.expected_codes;
    if (std::find(codes.begin(), codes.end(), int(status)) == codes.end()) {
        return {state::FailureReason::BadStatus};
    }
    if (!params_.body_match.empty() && body.find(params_.body_match) == std::string_view::npos) {
        return {state::FailureReason::BodyMismatch};
    }
    if (body_regex_) {
        // Boost.Regex rather than std::regex: libstdc++'s matcher recurses per character and
        // overflows the stack on `.*` over a 64 KiB body; Boost's is iterative and throws
        // when a pattern gets too costly, which fails the check instead of the prober.
        try {
            if (!boost::regex_search(body.begin(), body.end(), *body_regex_)) {
                return {state::FailureReason::BodyRegex};
            }
        } catch (const std::runtime_error&) {
            return {state::FailureReason::BodyRegex, 1};
        }
    }
    return expected_json_.empty() ? ProbeFailure{} : judgeJson(body);
}

ProbeFailure HttpResponseJudge::judgeJson(std::string_view body) const {
    auto document = nlohmann::json::parse(body, nullptr, false);
    if (document.is_discarded()) {
        return {state::FailureReason::JsonInvalid};
    }
    for (size_t i = 0; i < expected_json_.size(); ++i) {
        const auto& [pointer, value] = expected_json_[i];
        // A pointer through a string, past an array's end or with an index too large for
        // size_t is "not there": nlohmann reports some of these by throwing.
        bool holds = false;
        try {
            holds = document.contains(pointer) && document.at(pointer) == value;
        } catch (const nlohmann::json::exception&) {
        }
        if (!holds) {
            return {state::FailureReason::JsonMismatch, uint16_t(i)};
        }
    }
    return {};
}

}  // namespace pharos::health
