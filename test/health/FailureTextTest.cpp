// The words for a member's last failure: which pattern, which expected_json path, which
// dependency, which name.
#include <catch2/catch.hpp>

#include "conf/ConfigLoader.hpp"
#include "state/FailureText.hpp"

using namespace pharos;
using state::FailureReason;
using state::failureText;

namespace {

conf::Config config() {
    auto r = conf::loadLbText(
        "pools:\n"
        "  cdn:\n"
        "    monitor: forced\n"
        "    lb_method: fogroup\n"
        "    members:\n"
        "    - {ip: 10.0.0.9, name: origin, weight: 1}\n"
        "    - {cname: Edge.Example.NET., name: edge, weight: 1}\n"
        "  web:\n"
        "    monitor: http\n"
        "    monitor_params:\n"
        "      body_regex: 'ready: [0-9]+'\n"
        "      expected_json:\n"
        "        /status: ok\n"
        "        /db/quorum: true\n"
        "        '': {}\n"
        "    lb_method: wrr\n"
        "    members:\n"
        "    - {ip: 10.0.0.1, name: a, weight: 1, depends_on: [cdn/edge, web/b]}\n"
        "    - {ip: 10.0.0.2, name: b, weight: 1}\n"
        "  redis:\n"
        "    monitor: tcp\n"
        "    monitor_params: {port: 6379, send_string: \"PING\\r\\n\", match_re: '^\\+pong'}\n"
        "    lb_method: wrr\n"
        "    members:\n"
        "    - {ip: 10.0.0.5, name: r1, weight: 1}\n"
        "globalnames:\n"
        "  www.example.com: {pool: web, ttl: 5}\n",
        "", "lb.yaml", "topology.yaml");
    REQUIRE(std::holds_alternative<conf::Config>(r));
    return std::get<conf::Config>(std::move(r));
}

}  // namespace

TEST_CASE("failureText names the pattern, the path, the dependency and the name") {
    auto c = config();
    const auto& web = c.pools[size_t(c.poolIndex("web"))];
    const auto& cdn = c.pools[size_t(c.poolIndex("cdn"))];
    const auto& a = web.members[0];
    const auto& b = web.members[1];
    // The pattern is named, however it is quoted.
    auto regex_text = failureText(c, web, a, FailureReason::BodyRegex, 0);
    CHECK_THAT(regex_text, Catch::StartsWith("body_regex ") && Catch::Contains("ready: [0-9]+") &&
                               Catch::EndsWith(" did not match"));
    CHECK(failureText(c, web, a, FailureReason::BodyRegex, 1) ==
          "body_regex gave up: too costly to search this body");
    CHECK(failureText(c, web, a, FailureReason::JsonMismatch, 0) ==
          "expected_json /status is not \"ok\"");
    CHECK(failureText(c, web, a, FailureReason::JsonMismatch, 1) ==
          "expected_json /db/quorum is not true");
    CHECK(failureText(c, web, a, FailureReason::JsonMismatch, 2) == "expected_json \"\" is not {}");
    CHECK(failureText(c, web, a, FailureReason::DependencyDown, 0) ==
          "down because of dependency cdn/edge");
    CHECK(failureText(c, web, a, FailureReason::DependencyDown, 1) ==
          "down because of dependency web/b");
    const auto& redis = c.pools[size_t(c.poolIndex("redis"))];
    CHECK(failureText(c, redis, redis.members[0], FailureReason::NoMatch, 0) ==
          "match_re /^\\+pong/ did not match");
    CHECK(failureText(c, redis, redis.members[0], FailureReason::NoMatch, 1) ==
          "match_re gave up: too costly to search this reply");
    CHECK(failureText(c, cdn, cdn.members[1], FailureReason::ResolveFailed, 0) ==
          "cname edge.example.net did not resolve");
    // Details the configuration does not know (a table from another configuration) fall back
    // to the reason's name.
    CHECK(failureText(c, web, a, FailureReason::JsonMismatch, 3) ==
          state::toString(FailureReason::JsonMismatch));
    CHECK(failureText(c, web, b, FailureReason::DependencyDown, 0) ==
          state::toString(FailureReason::DependencyDown));
    CHECK(failureText(c, web, a, FailureReason::BadStatus, 0) == "unexpected status");
    CHECK(failureText(c, web, a, FailureReason::JsonInvalid, 0) ==
          state::toString(FailureReason::JsonInvalid));
}
