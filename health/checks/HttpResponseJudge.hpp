#pragma once
// The verdict on what an http member sent back: the status against expected_codes, then the
// body against body_match, body_regex and expected_json, in that order. Built once per
// monitor when a configuration is loaded: the pattern compiled and the expected values parsed
// there, not per check.
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "conf/Config.hpp"
#include "conf/ReplyPattern.hpp"
#include "state/HealthTableLayout.hpp"

namespace pharos::health {

struct ProbeFailure {
    state::FailureReason reason = state::FailureReason::None;
    uint16_t detail = 0;  // see state::Slot::detail
};

class HttpResponseJudge {
  public:
    explicit HttpResponseJudge(conf::HttpParams params);
    const conf::HttpParams& params() const { return params_; }
    // reason None when the response passes.
    ProbeFailure judge(unsigned status, std::string_view body) const;

  private:
    ProbeFailure judgeJson(std::string_view body) const;

    conf::HttpParams params_;
    std::optional<conf::ReplyPattern> body_regex_;
    std::vector<std::pair<nlohmann::json::json_pointer, nlohmann::json>> expected_json_;
};

}  // namespace pharos::health
