// Members by name (cname), alert_only, depends_on, and the http monitor's deep checks (method,
// headers, body_regex, expected_json): what loads, and errors that name file, line and key.
#include <nlohmann/json.hpp>

#include "ConfTestSupport.hpp"

using namespace pharos;
using test::loadOk;
using test::loadOneError;

namespace {

// One pool `p` with the given member lines (flow maps, one per line) and pool keys.
std::string poolWith(const std::string& members, const std::string& method = "wrr",
                     const std::string& extra = "") {
    return "pools:\n"
           "  p:\n"
           "    monitor: forced\n"
           "    lb_method: " +
           method + "\n" + extra + "    members:\n" + members +
           "globalnames:\n"
           "  www.example.com: {pool: p, ttl: 5}\n";
}

// An http pool with `params` under monitor_params.
std::string httpPool(const std::string& params) {
    return "pools:\n"
           "  p:\n"
           "    monitor: http\n"
           "    monitor_params:\n" +
           params +
           "    lb_method: wrr\n"
           "    members:\n"
           "    - {ip: 10.0.0.1, name: a, weight: 1}\n"
           "globalnames:\n"
           "  www.example.com: {pool: p, ttl: 5}\n";
}

conf::HttpParams httpParams(const std::string& params) {
    return loadOk(httpPool(params)).pools[0].params->http;
}

// Two pools for depends_on: `alpha` (a1 10.0.1.1, a2 10.0.1.2) and `zeta` (z1 10.0.2.1,
// z2 10.0.2.2, z3 10.0.2.3), written zeta first so resolution must use the sorted order.
std::string depPools(const std::string& z1_extra, const std::string& z2_extra = "",
                     const std::string& z3_extra = "", const std::string& a1_extra = "") {
    return "pools:\n"
           "  zeta:\n"
           "    monitor: forced\n"
           "    lb_method: wrr\n"
           "    members:\n"
           "    - {ip: 10.0.2.1, name: z1, weight: 1" +
           z1_extra +
           "}\n"
           "    - {ip: 10.0.2.2, name: z2, weight: 1" +
           z2_extra +
           "}\n"
           "    - {ip: 10.0.2.3, name: z3, weight: 1" +
           z3_extra +
           "}\n"
           "  alpha:\n"
           "    monitor: forced\n"
           "    lb_method: wrr\n"
           "    members:\n"
           "    - {ip: 10.0.1.1, name: a1, weight: 1" +
           a1_extra +
           "}\n"
           "    - {ip: 10.0.1.2, name: a2, weight: 1}\n"
           "globalnames:\n"
           "  www.example.com: {pool: zeta, ttl: 5}\n";
}

void checkError(const conf::ConfigError& e, const std::string& key, const std::string& message,
                int line) {
    INFO(e.str());
    CHECK(e.file == "lb.yaml");
    CHECK(e.key == key);
    CHECK_THAT(e.message, Catch::Contains(message));
    CHECK(e.line == line);
    CHECK(e.column > 0);
}

}  // namespace

TEST_CASE("a cname member is canonicalised and probed by name unless monitor_ip is set") {
    auto c = loadOk(
        poolWith("    - {cname: Edge.Example.NET., name: e1, weight: 1}\n"
                 "    - {cname: other.example.net, name: e2, weight: 2, monitor_ip: 192.0.2.9}\n"));
    const auto& p = c.pools[0];
    CHECK(p.has_cname);
    REQUIRE(p.members.size() == 2);
    CHECK(p.members[0].cname == "edge.example.net");
    CHECK(p.members[0].isCname());
    CHECK(conf::memberTarget(p.members[0]) == "edge.example.net");
    CHECK(p.members[0].probe_by_name);
    CHECK(p.members[1].cname == "other.example.net");
    CHECK_FALSE(p.members[1].probe_by_name);
    CHECK(p.members[1].monitor_ip.str() == "192.0.2.9");
    CHECK(p.members[1].weight == 2);
    // An address pool has no cname and probes no name.
    auto plain = loadOk(poolWith("    - {ip: 10.0.0.1, name: a, weight: 1}\n"));
    CHECK_FALSE(plain.pools[0].has_cname);
    CHECK_FALSE(plain.pools[0].members[0].isCname());
    CHECK_FALSE(plain.pools[0].members[0].probe_by_name);
}

TEST_CASE("a fogroup pool may mix cname and ip members") {
    auto c =
        loadOk(poolWith("    - {ip: 10.0.0.1, name: a, weight: 1}\n"
                        "    - {cname: edge.example.net, name: e, weight: 1}\n",
                        "fogroup"));
    const auto& p = c.pools[0];
    CHECK(p.has_cname);
    CHECK_FALSE(p.members[0].isCname());
    CHECK(p.members[1].isCname());
    // The same cname in two pools is fine; the layout hash tells cname targets apart.
    auto other =
        loadOk(poolWith("    - {ip: 10.0.0.1, name: a, weight: 1}\n"
                        "    - {cname: edge2.example.net, name: e, weight: 1}\n",
                        "fogroup"));
    CHECK(c.layout_hash != other.layout_hash);
}

TEST_CASE("cname member errors name the file, line and key") {
    std::string k = "pools.p.members[1].";
    struct Case {
        std::string lb;
        std::string key;
        std::string message;
        int line;
    };
    std::string first = "    - {ip: 10.0.0.1, name: a, weight: 1}\n";
    std::vector<Case> cases = {
        {poolWith(first + "    - {ip: 10.0.0.2, cname: e.example.net, name: e, weight: 1}\n"),
         k + "cname", "not both", 7},
        {poolWith(first + "    - {name: e, weight: 1}\n"), k + "ip",
         "required key is missing: ip (an address) or cname", 7},
        {poolWith(first + "    - {cname: bad..example.net, name: e, weight: 1}\n", "fogroup"),
         k + "cname", "not a host name", 7},
        {poolWith(first + "    - {cname: " + std::string(64, 'x') +
                      ".example.net, name: e, weight: 1}\n",
                  "fogroup"),
         k + "cname", "not a host name", 7},
        // It is written into pdns's JSON and into answers as it is, and names the member.
        {poolWith(first + "    - {cname: 'a\"b.example.net', name: e, weight: 1}\n", "fogroup"),
         k + "cname", "not a host name", 7},
        {poolWith(first + "    - {cname: 'with space.example', name: e, weight: 1}\n", "fogroup"),
         k + "cname", "not a host name", 7},
        {poolWith(first + "    - {cname: 10.0.0.9, name: e, weight: 1}\n", "fogroup"), k + "cname",
         "not an address", 7},
        {poolWith("    - {cname: edge.example.net, name: a, weight: 1}\n"
                  "    - {cname: EDGE.example.net., name: b, weight: 1}\n"),
         k + "cname", "duplicate member name edge.example.net", 7},
        {poolWith(first + "    - {cname: edge.example.net, name: e, weight: 1}\n"),
         "pools.p.lb_method", "must be fogroup", 4},
        {poolWith(first + "    - {cname: edge.example.net, name: e, weight: 1}\n", "chash"),
         "pools.p.lb_method", "must be fogroup", 4},
    };
    for (const auto& c : cases) {
        checkError(loadOneError(c.lb), c.key, c.message, c.line);
    }
}

TEST_CASE("a twrr pool refuses a cname member: it has no address to place") {
    auto e = loadOneError(poolWith("    - {cname: edge.example.net, name: e, weight: 1}\n", "twrr"),
                          "a: [10.1.0.0/16]\n");
    checkError(e, "pools.p.members[0].cname", "lb_method twrr", 6);
}

TEST_CASE("a pool of cname members only loads with wrr") {
    auto c =
        loadOk(poolWith("    - {cname: a.example.net, name: a, weight: 1}\n"
                        "    - {cname: b.example.net, name: b, weight: 3}\n"));
    CHECK(c.pools[0].has_cname);
    CHECK(c.pools[0].lb_method == conf::LbMethod::Wrr);
    CHECK(c.pools[0].members[1].cname == "b.example.net");
    CHECK(c.slot_count == 2);
}

TEST_CASE("alert_only: a pool's value is every member's default, a member's overrides it") {
    auto c =
        loadOk(poolWith("    - {ip: 10.0.0.1, name: a, weight: 1}\n"
                        "    - {ip: 10.0.0.2, name: b, weight: 1, alert_only: false}\n",
                        "wrr", "    alert_only: true\n"));
    CHECK(c.pools[0].alert_only);
    CHECK(c.pools[0].members[0].alert_only);
    CHECK_FALSE(c.pools[0].members[1].alert_only);

    auto d =
        loadOk(poolWith("    - {ip: 10.0.0.1, name: a, weight: 1}\n"
                        "    - {ip: 10.0.0.2, name: b, weight: 1, alert_only: true}\n"));
    CHECK_FALSE(d.pools[0].alert_only);
    CHECK_FALSE(d.pools[0].members[0].alert_only);
    CHECK(d.pools[0].members[1].alert_only);

    checkError(loadOneError(poolWith("    - {ip: 10.0.0.1, name: a, weight: 1}\n", "wrr",
                                     "    alert_only: sometimes\n")),
               "pools.p.alert_only", "true or false", 5);
}

TEST_CASE("depends_on resolves POOL/MEMBER by name or address into the sorted pools") {
    auto c = loadOk(
        depPools(", depends_on: [alpha/a2, zeta/10.0.2.3]", "", "", ", depends_on: [zeta/z2]"));
    int alpha = c.poolIndex("alpha");
    int zeta = c.poolIndex("zeta");
    REQUIRE(alpha == 0);
    REQUIRE(zeta == 1);
    const auto& z1 = c.pools[size_t(zeta)].members[0];
    REQUIRE(z1.depends_on.size() == 2);
    CHECK(z1.depends_on[0].text == "alpha/a2");
    CHECK(z1.depends_on[0].pool == alpha);
    CHECK(z1.depends_on[0].member == 1);
    CHECK(z1.depends_on[1].text == "zeta/10.0.2.3");
    CHECK(z1.depends_on[1].pool == zeta);
    CHECK(z1.depends_on[1].member == 2);
    const auto& a1 = c.pools[size_t(alpha)].members[0];
    REQUIRE(a1.depends_on.size() == 1);
    CHECK(a1.depends_on[0].pool == zeta);
    CHECK(a1.depends_on[0].member == 1);
    CHECK(c.pools[size_t(zeta)].members[1].depends_on.empty());
}

TEST_CASE("depends_on may name a cname member by its target") {
    auto c = loadOk(
        "pools:\n"
        "  cdn:\n"
        "    monitor: forced\n"
        "    lb_method: wrr\n"
        "    members:\n"
        "    - {cname: edge.example.net, name: e, weight: 1}\n"
        "  web:\n"
        "    monitor: forced\n"
        "    lb_method: wrr\n"
        "    members:\n"
        "    - {ip: 10.0.0.1, name: a, weight: 1, depends_on: [cdn/edge.example.net]}\n"
        "globalnames:\n"
        "  www.example.com: {pool: web, ttl: 5}\n");
    const auto& a = c.pools[size_t(c.poolIndex("web"))].members[0];
    REQUIRE(a.depends_on.size() == 1);
    CHECK(a.depends_on[0].pool == c.poolIndex("cdn"));
    CHECK(a.depends_on[0].member == 0);
}

TEST_CASE("depends_on errors: unknown members, malformed entries") {
    checkError(loadOneError(depPools(", depends_on: [alpha/nosuch]")),
               "pools.zeta.members[0].depends_on[0]", "no member alpha/nosuch", 6);
    checkError(loadOneError(depPools(", depends_on: [alpha/a1, nopool/a1]")),
               "pools.zeta.members[0].depends_on[1]", "no member nopool/a1", 6);
    checkError(loadOneError(depPools("", ", depends_on: [a1]")),
               "pools.zeta.members[1].depends_on[0]", "expected POOL/MEMBER", 7);
}

TEST_CASE("depends_on cycles are refused with their path, at every member on them") {
    SECTION("a member that depends on itself") {
        checkError(loadOneError(depPools(", depends_on: [zeta/z1]")),
                   "pools.zeta.members[0].depends_on[0]",
                   "depends_on makes a cycle: zeta/z1 -> zeta/z1", 6);
    }
    SECTION("two members that depend on each other; a third leading into them says nothing") {
        auto r = conf::loadLbText(depPools(", depends_on: [zeta/z2]", ", depends_on: [zeta/z1]",
                                           ", depends_on: [zeta/z1]"),
                                  "", "lb.yaml", "topology.yaml");
        auto errors = test::errorsOf(r);
        INFO(test::allErrors(r));
        REQUIRE(errors.size() == 2);
        checkError(errors[0], "pools.zeta.members[0].depends_on[0]",
                   "depends_on makes a cycle: zeta/z1 -> zeta/z2 -> zeta/z1", 6);
        checkError(errors[1], "pools.zeta.members[1].depends_on[0]",
                   "depends_on makes a cycle: zeta/z2 -> zeta/z1 -> zeta/z2", 7);
    }
    SECTION("the member leading into the cycle is read first") {
        auto r = conf::loadLbText(depPools(", depends_on: [zeta/z2]", ", depends_on: [zeta/z3]",
                                           ", depends_on: [zeta/z2]"),
                                  "", "lb.yaml", "topology.yaml");
        auto errors = test::errorsOf(r);
        INFO(test::allErrors(r));
        REQUIRE(errors.size() == 2);
        checkError(errors[0], "pools.zeta.members[1].depends_on[0]",
                   "depends_on makes a cycle: zeta/z2 -> zeta/z3 -> zeta/z2", 7);
        checkError(errors[1], "pools.zeta.members[2].depends_on[0]",
                   "depends_on makes a cycle: zeta/z3 -> zeta/z2 -> zeta/z3", 8);
    }
    SECTION("a cycle across pools, through a second dependency") {
        auto r = conf::loadLbText(
            depPools(", depends_on: [zeta/z3, alpha/a1]", "", "", ", depends_on: [zeta/10.0.2.1]"),
            "", "lb.yaml", "topology.yaml");
        auto errors = test::errorsOf(r);
        INFO(test::allErrors(r));
        REQUIRE(errors.size() == 2);
        std::vector<std::string> messages{errors[0].message, errors[1].message};
        std::sort(messages.begin(), messages.end());
        CHECK_THAT(messages[0], Catch::Contains("alpha/a1 -> zeta/z1 -> alpha/a1"));
        CHECK_THAT(messages[1], Catch::Contains("zeta/z1 -> alpha/a1 -> zeta/z1"));
    }
    SECTION("a chain without a cycle loads") {
        loadOk(depPools(", depends_on: [zeta/z2]", ", depends_on: [zeta/z3]", "",
                        ", depends_on: [zeta/z1]"));
    }
}

TEST_CASE("http method, headers, body_regex and expected_json load") {
    auto h = httpParams(
        "      method: HEAD\n"
        "      headers:\n"
        "        X-Probe: pharos\n"
        "        Authorization: 'Bearer abc def'\n"
        "        Accept: application/json\n");
    CHECK(h.method == conf::HttpMethod::Head);
    CHECK(std::string(conf::toString(h.method)) == "HEAD");
    REQUIRE(h.headers.size() == 3);
    CHECK(h.headers[0] == conf::HttpHeader{"X-Probe", "pharos"});
    CHECK(h.headers[1] == conf::HttpHeader{"Authorization", "Bearer abc def"});
    CHECK(h.headers[2] == conf::HttpHeader{"Accept", "application/json"});
    CHECK_FALSE(h.readsBody());

    auto g = httpParams(
        "      method: GET\n"
        "      body_regex: '\"status\": *\"(ok|up)\"'\n");
    CHECK(g.method == conf::HttpMethod::Get);
    CHECK(g.body_regex == "\"status\": *\"(ok|up)\"");
    CHECK(g.readsBody());
    CHECK(httpParams("      interval: 5\n").method == conf::HttpMethod::Get);
}

TEST_CASE("expected_json values are read as JSON: plain scalars by their look, quoted as text") {
    auto h = httpParams(
        "      expected_json:\n"
        "        /ok: true\n"
        "        /text: \"true\"\n"
        "        /count: 3\n"
        "        /ratio: 0.5\n"
        "        /nothing: null\n"
        "        /name: db1\n"
        "        /db: {quorum: true, nodes: [1, two]}\n"
        "        '': {}\n");
    REQUIRE(h.expected_json.size() == 8);
    auto value = [&](size_t i) { return nlohmann::json::parse(h.expected_json[i].value); };
    CHECK(h.expected_json[0].pointer == "/ok");
    CHECK(value(0) == nlohmann::json(true));
    CHECK(value(1) == nlohmann::json("true"));
    CHECK(value(1).is_string());
    CHECK(value(2) == nlohmann::json(3));
    CHECK(value(2).is_number_integer());
    CHECK(value(3) == nlohmann::json(0.5));
    CHECK(value(4).is_null());
    CHECK(value(5) == nlohmann::json("db1"));
    CHECK(value(6) == nlohmann::json::parse(R"({"quorum": true, "nodes": [1, "two"]})"));
    CHECK(h.expected_json[7].pointer.empty());
    CHECK(value(7) == nlohmann::json::object());
    CHECK(h.readsBody());
}

TEST_CASE("http deep-check errors name the file, line and key") {
    std::string k = "pools.p.monitor_params.";
    struct Case {
        std::string params;
        std::string key;
        std::string message;
        int line;
    };
    std::vector<Case> cases = {
        {"      method: HEAD\n      body_match: OK\n", k + "method", "HEAD response has no body",
         5},
        {"      method: HEAD\n      body_regex: ok\n", k + "method", "HEAD response has no body",
         5},
        {"      method: HEAD\n      expected_json: {/ok: true}\n", k + "method",
         "HEAD response has no body", 5},
        {"      method: POST\n", k + "method", "GET", 5},
        {"      headers:\n        Bad Name: x\n", k + "headers[Bad Name]", "not a header name", 6},
        {"      headers:\n        X-Ok: fine\n        Host: evil.example\n", k + "headers[Host]",
         "pharos sets this header itself", 7},
        {"      headers:\n        content-length: 5\n", k + "headers[content-length]",
         "pharos sets this header itself", 6},
        {"      headers:\n        X-Split: \"a\\r\\nX-Injected: 1\"\n", k + "headers[X-Split]",
         "no CR, LF", 6},
        {"      headers:\n        X-List: [a, b]\n", k + "headers[X-List]", "one line", 6},
        {"      body_regex: '(unclosed'\n", k + "body_regex",
         "not a valid ECMAScript regular expression", 5},
        {"      body_regex: '[z-a]'\n", k + "body_regex",
         "not a valid ECMAScript regular expression", 5},
        {"      expected_json:\n        status: ok\n", k + "expected_json[status]",
         "not a JSON Pointer", 6},
        {"      expected_json:\n        /a/~2: ok\n", k + "expected_json[/a/~2]",
         "not a JSON Pointer", 6},
        {"      expected_json: {}\n", k + "expected_json", "1 to 32", 5},
    };
    for (const auto& c : cases) {
        INFO(c.params);
        checkError(loadOneError(httpPool(c.params)), c.key, c.message, c.line);
    }
}

TEST_CASE("expected_json reads the other spellings of YAML 1.2's core schema as it does") {
    // The loader says plain scalars are read "as YAML 1.2's core schema reads them", and
    // reads `alert_only: True` as true; the core schema's booleans and nulls include True,
    // TRUE, False, FALSE, Null and NULL.
    auto h = httpParams(
        "      expected_json:\n"
        "        /a: True\n"
        "        /b: TRUE\n"
        "        /c: False\n"
        "        /d: FALSE\n"
        "        /e: Null\n"
        "        /f: NULL\n"
        "        /g: ~\n");
    REQUIRE(h.expected_json.size() == 7);
    auto value = [&](size_t i) { return nlohmann::json::parse(h.expected_json[i].value); };
    CHECK(value(0) == nlohmann::json(true));
    CHECK(value(1) == nlohmann::json(true));
    CHECK(value(2) == nlohmann::json(false));
    CHECK(value(3) == nlohmann::json(false));
    CHECK(value(4).is_null());
    CHECK(value(5).is_null());
    CHECK(value(6).is_null());
}

TEST_CASE("a fallback chain may not mix pools with cname members and pools without") {
    auto e = loadOneError(
        "pools:\n"
        "  addr:\n"
        "    monitor: forced\n"
        "    lb_method: wrr\n"
        "    fallback: pool:names\n"
        "    members:\n"
        "    - {ip: 10.0.0.1, name: a, weight: 1}\n"
        "  names:\n"
        "    monitor: forced\n"
        "    lb_method: wrr\n"
        "    members:\n"
        "    - {cname: edge.example.net, name: e, weight: 1}\n"
        "globalnames:\n"
        "  www.example.com: {pool: addr, ttl: 5}\n");
    CHECK(e.line == 5);
    CHECK(e.key == "pools.addr.fallback");
    CHECK(e.message.find("cannot mix pools with cname members") != std::string::npos);
}
