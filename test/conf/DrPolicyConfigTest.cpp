// The DR-policy keys of the LB file: what loads, and errors that name file, line and key.
#include "ConfTestSupport.hpp"
#include "base/Timestamp.hpp"

using namespace pharos;
using test::loadOk;
using test::loadOneError;

namespace {

std::string pools(const std::string& web_extra, const std::string& dr_extra = "",
                  const std::string& tail = "") {
    return "pools:\n"
           "  web:\n"
           "    monitor: forced\n"
           "    lb_method: fogroup\n" +
           web_extra +
           "    members:\n"
           "    - {ip: 10.0.0.1, name: www1, weight: 1}\n"
           "    - {ip: 10.0.0.2, name: www2, weight: 1}\n"
           "  dr:\n"
           "    monitor: forced\n"
           "    lb_method: wrr\n" +
           dr_extra +
           "    members:\n"
           "    - {ip: 10.0.1.1, name: dr1, weight: 1}\n"
           "globalnames:\n"
           "  www.example.com.: {pool: web, ttl: 5}\n" +
           tail;
}

}  // namespace

TEST_CASE("DR policies load: failover_after, failback, failover, fallback chains, windows") {
    auto c =
        loadOk(pools("    failover_after: 30m\n    failback: manual\n    failover: manual\n"
                     "    fallback: pool:dr\n",
                     "    fallback: refuse\n",
                     "maintenance:\n"
                     "- {pool: web, member: www1, start: '2026-12-01T22:00:00Z',\n"
                     "   end: '2026-12-01T23:30:00+01:00', reason: patching}\n"
                     "- {pool: dr, start: '2026-12-02T00:00:00Z', end: "
                     "'2026-12-02T01:00:00Z'}\n"));
    const conf::Pool& web = c.pools[size_t(c.poolIndex("web"))];
    CHECK(web.failover_after.count() == 1800);
    CHECK(web.failback == conf::FailbackMode::Manual);
    CHECK(web.failover == conf::FailoverMode::Manual);
    CHECK(web.fallback == conf::Fallback::Pool);
    CHECK(web.fallback_pool_index == c.poolIndex("dr"));
    CHECK(conf::fallbackText(web) == "pool:dr");
    REQUIRE(c.maintenance.size() == 2);
    CHECK(c.maintenance[0].start_ms == *base::parseRfc3339("2026-12-01T22:00:00Z"));
    CHECK(c.maintenance[0].end_ms - c.maintenance[0].start_ms == 30 * 60 * 1000);
    CHECK(c.maintenance[0].reason == "patching");
    CHECK(conf::windowCovers(c.maintenance[0], web.members[0]));
    CHECK_FALSE(conf::windowCovers(c.maintenance[0], web.members[1]));
    CHECK(conf::windowCovers(c.maintenance[1], c.pools[size_t(c.poolIndex("dr"))].members[0]));
    // Polaris files know none of the keys and keep their defaults.
    auto plain = loadOk(pools(""));
    CHECK(plain.pools[1].failover_after.count() == 0);
    CHECK(plain.pools[1].failback == conf::FailbackMode::Auto);
    CHECK(plain.maintenance.empty());
}

TEST_CASE("DR policy errors name the file, line and key") {
    struct Case {
        std::string lb;
        std::string key;
        std::string message;
        int line;
    };
    std::vector<Case> cases = {
        {pools("", "    failback: manual\n"), "pools.dr.failback", "only lb_method fogroup", 11},
        {pools("", "    failover: manual\n"), "pools.dr.failover", "only lb_method fogroup", 11},
        {pools("    failback: sometimes\n"), "pools.web.failback", "auto, manual", 5},
        {pools("    failover_after: soon\n"), "pools.web.failover_after", "", 5},
        {pools("    fallback: pool:nosuch\n"), "pools.web.fallback", "no pool named \"nosuch\"", 5},
        {pools("    fallback: pool:web\n"), "pools.web.fallback", "cannot fall back to itself", 5},
        {pools("", "",
               "maintenance:\n- {pool: web, start: '2026-12-01 22:00', end: "
               "'2026-12-01T23:00:00Z'}\n"),
         "maintenance[0].start", "RFC 3339", 16},
        {pools("", "",
               "maintenance:\n- {pool: web, start: '2026-12-01T22:00:00Z', end: "
               "'2026-12-01T21:00:00Z'}\n"),
         "maintenance[0].end", "ends before it starts", 16},
        {pools("", "",
               "maintenance:\n- {pool: webb, start: '2026-12-01T22:00:00Z', end: "
               "'2026-12-01T23:00:00Z'}\n"),
         "maintenance[0].pool", "did you mean \"web\"", 16},
        {pools("", "",
               "maintenance:\n- {pool: web, member: www9, start: "
               "'2026-12-01T22:00:00Z', end: '2026-12-01T23:00:00Z'}\n"),
         "maintenance[0].member", "no member named or at \"www9\"", 16},
    };
    for (const auto& c : cases) {
        auto e = loadOneError(c.lb);
        INFO(e.str());
        CHECK(e.file == "lb.yaml");
        CHECK(e.key == c.key);
        CHECK_THAT(e.message, Catch::Contains(c.message));
        CHECK(e.line == c.line);
        CHECK(e.column > 0);
    }
}

TEST_CASE("a fallback chain that loops is refused at every pool on the loop") {
    auto r = conf::loadLbText(pools("    fallback: pool:dr\n", "    fallback: pool:web\n"), "",
                              "lb.yaml", "topology.yaml");
    auto errors = test::errorsOf(r);
    REQUIRE(errors.size() == 2);
    for (const auto& e : errors) {
        CHECK_THAT(e.message, Catch::Contains("fallback chain loops"));
    }
    CHECK(errors[0].line != errors[1].line);
}

TEST_CASE("RFC 3339 times: zones required, offsets applied, nonsense refused") {
    CHECK(base::parseRfc3339("1970-01-01T00:00:00Z") == 0);
    CHECK(base::parseRfc3339("1970-01-01T01:00:00+01:00") == 0);
    CHECK(base::parseRfc3339("1969-12-31T23:00:00-01:00") == 0);
    CHECK(base::parseRfc3339("2026-11-26T05:00:00.250Z") == 1795669200250);
    CHECK(base::formatRfc3339(1795669200250) == "2026-11-26T05:00:00Z");
    for (const char* bad :
         {"2026-11-26T05:00:00", "2026-11-26", "2026-02-30T00:00:00Z", "2026-11-26T25:00:00Z",
          "2026-11-26T05:00:00+1:00", "2026-11-26T05:00:00Zjunk", ""}) {
        INFO(bad);
        CHECK_FALSE(base::parseRfc3339(bad));
    }
}
