// The verdict on an http response: status, body_match, body_regex, expected_json.
#include <catch2/catch.hpp>

#include "health/checks/HttpResponseJudge.hpp"

using namespace pharos;
using health::HttpResponseJudge;
using state::FailureReason;

namespace {

conf::HttpParams params(std::vector<conf::JsonExpectation> json = {}) {
    conf::HttpParams p;
    p.expected_json = std::move(json);
    return p;
}

HttpResponseJudge regexJudge(const std::string& pattern) {
    conf::HttpParams p;
    p.body_regex = pattern;
    return HttpResponseJudge(p);
}

}  // namespace

TEST_CASE("judge: a status outside expected_codes is BadStatus, whatever the body") {
    conf::HttpParams p;
    p.expected_codes = {200, 204};
    p.body_match = "OK";
    HttpResponseJudge judge(p);
    CHECK(judge.judge(200, "OK").reason == FailureReason::None);
    CHECK(judge.judge(204, "all OK").reason == FailureReason::None);
    CHECK(judge.judge(503, "OK").reason == FailureReason::BadStatus);
    CHECK(judge.judge(201, "OK").reason == FailureReason::BadStatus);
    CHECK(judge.judge(200, "fine").reason == FailureReason::BodyMismatch);
    CHECK(judge.params().body_match == "OK");
}

TEST_CASE("judge: no body checks pass any body") {
    HttpResponseJudge judge{conf::HttpParams{}};
    CHECK(judge.judge(200, "").reason == FailureReason::None);
    CHECK(judge.judge(200, "\x01\x02 not json").reason == FailureReason::None);
    CHECK(judge.judge(404, "").reason == FailureReason::BadStatus);
}

TEST_CASE("judge: body_regex is searched in the body") {
    auto judge = regexJudge(R"re("status": *"(ok|up)")re");
    CHECK(judge.judge(200, R"({"status": "ok"})").reason == FailureReason::None);
    CHECK(judge.judge(200, R"(xx {"status":"up"} yy)").reason == FailureReason::None);
    auto miss = judge.judge(200, R"({"status": "down"})");
    CHECK(miss.reason == FailureReason::BodyRegex);
    CHECK(miss.detail == 0);
    CHECK(judge.judge(200, "").reason == FailureReason::BodyRegex);
    // Anchors are those of ECMAScript: ^ only at the start of the body.
    auto anchored = regexJudge("^ready$");
    CHECK(anchored.judge(200, "ready").reason == FailureReason::None);
    CHECK(anchored.judge(200, "not ready").reason == FailureReason::BodyRegex);
}

TEST_CASE("judge: body_match is checked before body_regex") {
    conf::HttpParams p;
    p.body_match = "alive";
    p.body_regex = "version [0-9]+";
    HttpResponseJudge judge(p);
    CHECK(judge.judge(200, "alive, version 3").reason == FailureReason::None);
    CHECK(judge.judge(200, "version 3").reason == FailureReason::BodyMismatch);
    CHECK(judge.judge(200, "alive, version x").reason == FailureReason::BodyRegex);
}

TEST_CASE("judge: a pathological body_regex on a 64 KiB body fails the check, not the prober") {
    std::string body(64 * 1024, 'a');
    body += '!';
    // Catastrophic backtracking: (a+)+b over a long run of a's never matches.
    auto exponential = regexJudge("(a+)+b");
    auto r = exponential.judge(200, body);
    CHECK(r.reason == FailureReason::BodyRegex);
    CHECK(r.detail == 1);
    // `.*` over the whole body, which overflows std::regex's recursion, simply works.
    auto greedy = regexJudge(".*!$");
    CHECK(greedy.judge(200, body).reason == FailureReason::None);
    auto greedy_miss = regexJudge("^.*b");
    auto m = greedy_miss.judge(200, body);
    CHECK(m.reason == FailureReason::BodyRegex);
}

TEST_CASE("judge: expected_json passes when every pointer holds its value") {
    HttpResponseJudge judge(params({{"/status", R"("ok")"},
                                    {"/db/quorum", "true"},
                                    {"/nodes/1", "2"},
                                    {"/meta", R"({"v": [1, "x"]})"}}));
    const char* body =
        R"({"status":"ok","db":{"quorum":true,"extra":1},"nodes":[1,2,3],"meta":{"v":[1,"x"]}})";
    auto r = judge.judge(200, body);
    CHECK(r.reason == FailureReason::None);
    CHECK(r.detail == 0);
}

TEST_CASE("judge: expected_json names the failing entry in detail") {
    HttpResponseJudge judge(
        params({{"/status", R"("ok")"}, {"/db/quorum", "true"}, {"/count", "3"}}));
    auto second = judge.judge(200, R"({"status":"ok","db":{"quorum":false},"count":3})");
    CHECK(second.reason == FailureReason::JsonMismatch);
    CHECK(second.detail == 1);
    auto third = judge.judge(200, R"({"status":"ok","db":{"quorum":true},"count":4})");
    CHECK(third.reason == FailureReason::JsonMismatch);
    CHECK(third.detail == 2);
    auto first = judge.judge(200, R"({"status":"OK","db":{"quorum":false},"count":4})");
    CHECK(first.reason == FailureReason::JsonMismatch);
    CHECK(first.detail == 0);
    // Types matter: "true" (text) is not true, "3" is not 3.
    auto typed = judge.judge(200, R"({"status":"ok","db":{"quorum":"true"},"count":3})");
    CHECK(typed.reason == FailureReason::JsonMismatch);
    CHECK(typed.detail == 1);
    auto text_number = judge.judge(200, R"({"status":"ok","db":{"quorum":true},"count":"3"})");
    CHECK(text_number.reason == FailureReason::JsonMismatch);
    CHECK(text_number.detail == 2);
}

TEST_CASE("judge: a missing path is a mismatch") {
    HttpResponseJudge judge(params({{"/a", "1"}, {"/b/c", "null"}}));
    CHECK(judge.judge(200, R"({"a":1,"b":{"c":null}})").reason == FailureReason::None);
    auto missing = judge.judge(200, R"({"a":1,"b":{}})");
    CHECK(missing.reason == FailureReason::JsonMismatch);
    CHECK(missing.detail == 1);
    auto no_parent = judge.judge(200, R"({"a":1})");
    CHECK(no_parent.reason == FailureReason::JsonMismatch);
    CHECK(no_parent.detail == 1);
}

TEST_CASE("judge: a body that is not JSON is JsonInvalid") {
    HttpResponseJudge judge(params({{"/status", R"("ok")"}}));
    for (const char* body : {"", "OK", "{\"status\":\"ok\"", "<html></html>", "{} trailing"}) {
        INFO(body);
        CHECK(judge.judge(200, body).reason == FailureReason::JsonInvalid);
    }
    // The status is judged first.
    CHECK(judge.judge(500, "OK").reason == FailureReason::BadStatus);
}

TEST_CASE("judge: a pointer through a scalar or past an array's end is a mismatch, not a crash") {
    HttpResponseJudge through_string(params({{"/name/first", R"("x")"}}));
    auto s = through_string.judge(200, R"({"name":"bob"})");
    CHECK(s.reason == FailureReason::JsonMismatch);
    CHECK(s.detail == 0);
    HttpResponseJudge through_number(params({{"/n/0", "1"}}));
    CHECK(through_number.judge(200, R"({"n":5})").reason == FailureReason::JsonMismatch);

    HttpResponseJudge past_end(params({{"/ok", "true"}, {"/list/3", "1"}}));
    auto p = past_end.judge(200, R"({"ok":true,"list":[1,1,1]})");
    CHECK(p.reason == FailureReason::JsonMismatch);
    CHECK(p.detail == 1);
    CHECK(past_end.judge(200, R"({"ok":true,"list":[1,1,1,1]})").reason == FailureReason::None);
    HttpResponseJudge dash(params({{"/list/-", "1"}}));
    CHECK(dash.judge(200, R"({"list":[1]})").reason == FailureReason::JsonMismatch);
    HttpResponseJudge huge(params({{"/list/99999999999999999999999", "1"}}));
    CHECK(huge.judge(200, R"({"list":[1]})").reason == FailureReason::JsonMismatch);
    HttpResponseJudge not_index(params({{"/list/x", "1"}}));
    CHECK(not_index.judge(200, R"({"list":[1]})").reason == FailureReason::JsonMismatch);
}

TEST_CASE("judge: numbers compare as numbers, 1 equals 1.0") {
    HttpResponseJudge integer(params({{"/v", "1"}}));
    CHECK(integer.judge(200, R"({"v":1.0})").reason == FailureReason::None);
    CHECK(integer.judge(200, R"({"v":1})").reason == FailureReason::None);
    CHECK(integer.judge(200, R"({"v":1.5})").reason == FailureReason::JsonMismatch);
    HttpResponseJudge real(params({{"/v", "1.0"}}));
    CHECK(real.judge(200, R"({"v":1})").reason == FailureReason::None);
    HttpResponseJudge whole(params({{"", R"({"a":[1,2]})"}}));
    CHECK(whole.judge(200, R"({"a":[1.0,2]})").reason == FailureReason::None);
    CHECK(whole.judge(200, R"({"a":[1,2],"b":0})").reason == FailureReason::JsonMismatch);
}
