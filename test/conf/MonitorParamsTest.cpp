#include "ConfTestSupport.hpp"

using namespace pharos;
using pharos::test::loadOk;
using pharos::test::loadOneError;

namespace {
std::string withMonitor(const std::string& monitor, const std::string& params) {
    return "pools:\n  p:\n    monitor: " + monitor + "\n" +
           (params.empty() ? "" : "    monitor_params:\n" + params) +
           "    lb_method: wrr\n    members:\n    - {ip: 10.0.0.1, name: a, weight: 1}\n"
           "globalnames:\n  w.example:\n    pool: p\n    ttl: 1\n";
}
}  // namespace

TEST_CASE("http monitor defaults are Polaris's") {
    auto m = *loadOk(withMonitor("http", "")).pools[0].params;
    CHECK(m.interval.count() == 10);
    CHECK(m.timeout.count() == 5);
    CHECK(m.retries == 2);
    CHECK(m.rise == 1);
    CHECK(m.port == 80);
    CHECK(m.http.url_path == "/");
    CHECK(m.http.expected_codes == std::vector<int>{200});
    CHECK(m.http.hostname.empty());
    CHECK_FALSE(m.http.verify_tls);
    auto tls = *loadOk(withMonitor("http", "      use_ssl: true\n")).pools[0].params;
    CHECK(tls.port == 443);
}

TEST_CASE("http monitor keys, pharos extensions included") {
    auto m = *loadOk(withMonitor("http",
                                 "      use_ssl: true\n      hostname: app.example\n"
                                 "      url_path: health\n      port: 8443\n"
                                 "      expected_codes: [200, 204, 301]\n      interval: 0.5\n"
                                 "      timeout: 250ms\n      retries: 0\n      rise: 3\n"
                                 "      body_match: OK\n      verify_tls: true\n"
                                 "      ca_file: /etc/ssl/ca.pem\n"))
                  .pools[0]
                  .params;
    CHECK(m.http.use_ssl);
    CHECK(m.http.hostname == "app.example");
    CHECK(m.http.url_path == "/health");  // Polaris prefixes the slash
    CHECK(m.port == 8443);
    CHECK(m.http.expected_codes == std::vector<int>{200, 204, 301});
    CHECK(m.interval.count() == Approx(0.5));
    CHECK(m.timeout.count() == Approx(0.25));
    CHECK(m.retries == 0);
    CHECK(m.rise == 3);
    CHECK(m.http.body_match == "OK");
    CHECK(m.http.verify_tls);
    CHECK(m.http.ca_file == "/etc/ssl/ca.pem");
}

TEST_CASE("TLS sessions are reused unless the certificate is verified, or as told") {
    auto params = [](const std::string& lines) {
        return loadOk(withMonitor("http", "      use_ssl: true\n" + lines)).pools[0].params->http;
    };
    CHECK(params("").tls_session_reuse);
    CHECK_FALSE(params("      verify_tls: true\n").tls_session_reuse);
    CHECK(params("      verify_tls: true\n      tls_session_reuse: true\n").tls_session_reuse);
    CHECK_FALSE(params("      tls_session_reuse: false\n").tls_session_reuse);
}

TEST_CASE("monitor limits: interval, timeout, retries, codes") {
    struct Case {
        std::string params;
        std::string key;
        std::string message;
    };
    std::vector<Case> cases = {
        {"      interval: 0.05\n", "interval", "between 0.1s and 3600s"},
        {"      interval: 3601\n", "interval", "between 0.1s and 3600s"},
        {"      timeout: 0.05\n", "timeout", "between 0.1s and 10s"},
        {"      timeout: 11\n", "timeout", "between 0.1s and 10s"},
        {"      interval: 1\n      timeout: 2\n", "timeout", "must not exceed interval"},
        {"      retries: 6\n", "retries", "between 0 and 5"},
        {"      rise: 0\n", "rise", "between 1 and 10"},
        {"      port: 70000\n", "port", "between 1 and 65535"},
        {"      use_ssl: maybe\n", "use_ssl", "expected true or false"},
        {"      expected_codes: []\n", "expected_codes", "1 to 3"},
        {"      expected_codes: [200, 201, 202, 203]\n", "expected_codes", "1 to 3"},
        {"      expected_codes: [99]\n", "expected_codes[0]", "between 100 and 599"},
        {"      expected_codes: 200\n", "expected_codes", "expected a list"},
        {"      hostnme: a\n", "hostnme", "did you mean \"hostname\""},
        {"      send_string: x\n", "send_string", "unknown key"},
        {"      interval: 10x\n", "interval", "expected a duration"},
    };
    for (const auto& c : cases) {
        auto e = loadOneError(withMonitor("http", c.params));
        INFO(c.params << " -> " << e.str());
        CHECK(e.key == "pools.p.monitor_params." + c.key);
        CHECK_THAT(e.message, Catch::Contains(c.message));
        CHECK(e.line >= 5);
    }
}

TEST_CASE("an unset timeout follows a short interval; Polaris files with interval 1 load") {
    auto m = *loadOk(withMonitor("http", "      interval: 1\n")).pools[0].params;
    CHECK(m.timeout.count() == 1);
    auto fast =
        *loadOk(withMonitor("tcp", "      port: 22\n      interval: 0.2\n")).pools[0].params;
    CHECK(fast.timeout.count() == Approx(0.2));
}

TEST_CASE("tcp monitor: port required, send_string and match_re checked") {
    auto m = *loadOk(withMonitor("tcp",
                                 "      port: 6379\n      send_string: \"PING\\r\\n\"\n"
                                 "      match_re: \"^\\\\+pong\"\n"))
                  .pools[0]
                  .params;
    CHECK(m.port == 6379);
    CHECK(m.tcp.send_string == "PING\r\n");
    CHECK(m.tcp.match_re == "^\\+pong");
    CHECK(m.interval.count() == 10);
    auto noport = loadOneError(withMonitor("tcp", ""));
    CHECK(noport.key == "pools.p.monitor_params.port");
    CHECK_THAT(noport.message, Catch::Contains("no default port"));
    auto badre = loadOneError(withMonitor("tcp", "      port: 1\n      match_re: \"(\"\n"));
    CHECK(badre.key == "pools.p.monitor_params.match_re");
    CHECK_THAT(badre.message, Catch::Contains("not a valid ECMAScript regular expression"));
    auto longsend = loadOneError(
        withMonitor("tcp", "      port: 1\n      send_string: " + std::string(257, 'x') + "\n"));
    CHECK(longsend.key == "pools.p.monitor_params.send_string");
}

TEST_CASE("forced monitor: status up by default, Polaris timing") {
    auto up = *loadOk(withMonitor("forced", "")).pools[0].params;
    CHECK(up.forced_up);
    CHECK(up.interval.count() == 3600);
    auto down = *loadOk(withMonitor("forced", "      status: down\n")).pools[0].params;
    CHECK_FALSE(down.forced_up);
    auto bad = loadOneError(withMonitor("forced", "      status: sideways\n"));
    CHECK(bad.key == "pools.p.monitor_params.status");
}

TEST_CASE("dns monitor (pharos extension)") {
    auto m = *loadOk(withMonitor("dns",
                                 "      query_name: Probe.Example.\n      query_type: AAAA\n"
                                 "      expected_rcodes: [NOERROR, NXDOMAIN]\n"
                                 "      expected_answer: 2001:db8::1\n"))
                  .pools[0]
                  .params;
    CHECK(m.port == 53);
    CHECK(m.dns.query_name == "probe.example");
    CHECK(m.dns.query_type == 28);
    CHECK(m.dns.expected_rcodes == std::vector<int>{0, 3});
    CHECK(m.dns.expected_answer == "2001:db8::1");
    auto noname = loadOneError(withMonitor("dns", "      port: 5353\n"));
    CHECK(noname.key == "pools.p.monitor_params.query_name");
    auto badtype =
        loadOneError(withMonitor("dns", "      query_name: a.b\n      query_type: AXFR\n"));
    CHECK(badtype.key == "pools.p.monitor_params.query_type");
    auto badrcode =
        loadOneError(withMonitor("dns", "      query_name: a.b\n      expected_rcodes: [OK]\n"));
    CHECK(badrcode.key == "pools.p.monitor_params.expected_rcodes[0]");
}

TEST_CASE("monitor kind and empty monitor_params") {
    auto kind = loadOneError(withMonitor("icmp", ""));
    CHECK(kind.key == "pools.p.monitor");
    auto empty = loadOneError(
        withMonitor("http", "")
            .replace(withMonitor("http", "").find("    lb_method"), 0, "    monitor_params: {}\n"));
    CHECK(empty.key == "pools.p.monitor_params");
    CHECK_THAT(empty.message, Catch::Contains("must not be empty"));
}

TEST_CASE("pools with the same monitor settings share one copy of them") {
    auto c = loadOk(
        "pools:\n"
        "  a: {monitor: tcp, monitor_params: {port: 80}, lb_method: wrr,"
        " members: [{ip: 10.0.0.1, name: a, weight: 1}]}\n"
        "  b: {monitor: tcp, monitor_params: {port: 80}, lb_method: wrr,"
        " members: [{ip: 10.0.0.2, name: b, weight: 1}]}\n"
        "  c: {monitor: tcp, monitor_params: {port: 81}, lb_method: wrr,"
        " members: [{ip: 10.0.0.3, name: c, weight: 1}]}\n"
        "globalnames:\n  w.example: {pool: a, ttl: 1}\n");
    REQUIRE(c.pools.size() == 3);
    CHECK(&*c.pools[0].params == &*c.pools[1].params);
    CHECK(&*c.pools[0].params != &*c.pools[2].params);
    CHECK(c.pools[2].params->port == 81);
    // Editing one holder leaves the others as they were.
    conf::Pool edited = c.pools[0];
    edited.params.edit().port = 443;
    CHECK(edited.params->port == 443);
    CHECK(c.pools[1].params->port == 80);
    CHECK(&*c.pools[0].params == &*c.pools[1].params);
}
