#include "health/checks/HttpResponseJudge.hpp"

#include <algorithm>

namespace pharos::health {

HttpResponseJudge::HttpResponseJudge(conf::HttpParams params) : params_(std::move(params)) {
    if (!params_.body_regex.empty()) {
        body_regex_.emplace(params_.body_regex, conf::ReplyPattern::Case::Sensitive);
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
        switch (body_regex_->search(body)) {
            case conf::ReplyPattern::Found::No:
                return {state::FailureReason::BodyRegex};
            case conf::ReplyPattern::Found::TooCostly:
                return {state::FailureReason::BodyRegex, 1};
            case conf::ReplyPattern::Found::Yes:
                break;
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
