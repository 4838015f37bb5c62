#include "ConfTestSupport.hpp"

using namespace pharos;
using pharos::test::loadOk;
using pharos::test::loadOneError;
using pharos::test::pool;

TEST_CASE("the Polaris sample deployment loads unchanged") {
    auto r = conf::loadLbFiles(PHAROS_TEST_DATA "/polaris-lb.yaml",
                               PHAROS_TEST_DATA "/polaris-topology.yaml");
    INFO(test::allErrors(r));
    REQUIRE(std::holds_alternative<conf::Config>(r));
    const auto& c = std::get<conf::Config>(r);
    REQUIRE(c.pools.size() == 1);
    const auto& p = c.pools[0];
    CHECK(p.name == "www-example");
    CHECK(p.monitor == conf::MonitorKind::Http);
    CHECK(p.params->http.use_ssl == false);
    CHECK(p.params->http.hostname == "myweb.contoso.local");
    CHECK(p.params->http.url_path == "/");
    CHECK(p.params->port == 80);
    CHECK(p.params->http.expected_codes == std::vector<int>{200});
    CHECK(p.params->interval.count() == 10);
    CHECK(p.params->timeout.count() == 5);
    CHECK(p.params->retries == 2);
    CHECK(p.lb_method == conf::LbMethod::FoGroup);
    CHECK(p.fallback == conf::Fallback::Any);
    CHECK(p.max_addrs_returned == 1);
    REQUIRE(p.members.size() == 2);
    CHECK(p.members[0].ip.str() == "10.1.0.5");
    CHECK(p.members[0].name == "www1");
    CHECK(p.members[0].weight == 1);
    CHECK(p.members[0].monitor_ip == p.members[0].ip);
    CHECK(p.members[1].ip.str() == "10.2.0.5");
    CHECK(c.topology.regions.size() == 2);
    CHECK(c.topology.regions[size_t(p.members[0].region)].name == "datacenter1");
    CHECK(c.topology.regions[size_t(p.members[1].region)].name == "datacenter2");
    REQUIRE(c.globalnames.size() == 1);
    CHECK(c.globalnames[0].name == "myweb.contoso.local");
    CHECK(c.globalnames[0].ttl == 1);
    CHECK(c.findGlobalName("myweb.contoso.local") == &c.globalnames[0]);
    CHECK(c.globalnames[0].pool_index == 0);
    CHECK(c.slot_count == 2);
}

TEST_CASE("pool and member defaults") {
    auto c = loadOk(pool());
    const auto& p = c.pools[0];
    CHECK(p.fallback == conf::Fallback::Any);
    CHECK(p.max_addrs_returned == 1);
    CHECK(p.client_address == conf::ClientAddressSource::Ecs);
    CHECK(p.topology_fallback == conf::TopologyFallback::Any);
    CHECK(p.chash_prefix_v4 == 24);
    CHECK(p.chash_prefix_v6 == 56);
    CHECK(p.members[1].weight == 2);
    CHECK(p.members[0].priority == 0);
    CHECK(p.members[0].monitor_port == 0);
    CHECK_FALSE(p.uses_priority);
    CHECK(p.members[0].region == -1);
}

TEST_CASE("pools are numbered by name so slot layout ignores file order") {
    std::string a =
        "  a:\n    monitor: forced\n    lb_method: wrr\n    members:\n"
        "    - {ip: 10.0.0.1, name: a1, weight: 1}\n";
    std::string b =
        "  b:\n    monitor: forced\n    lb_method: wrr\n    members:\n"
        "    - {ip: 10.0.0.2, name: b1, weight: 1}\n"
        "    - {ip: 10.0.0.3, name: b2, weight: 1}\n";
    std::string names = "globalnames:\n  x.example:\n    pool: b\n    ttl: 1\n";
    auto c1 = loadOk("pools:\n" + a + b + names);
    auto c2 = loadOk("pools:\n" + b + a + names);
    CHECK(c1.layout_hash == c2.layout_hash);
    CHECK(c2.pools[0].name == "a");
    CHECK(c2.pools[1].first_slot == 1);
    CHECK(c2.slot_count == 3);
    auto c3 = loadOk("pools:\n" + a + names.substr(0, 0) +
                     "  b:\n    monitor: forced\n    lb_method: wrr\n    members:\n"
                     "    - {ip: 10.0.0.9, name: b1, weight: 1}\n" +
                     names);
    CHECK(c3.layout_hash != c1.layout_hash);
}

TEST_CASE("pharos extensions on pools and members") {
    auto c =
        loadOk(pool("    fallback: refuse\n    max_addrs_returned: 1024\n"
                    "    client_address: resolver\n",
                    "      monitor_ip: 10.9.9.9\n      monitor_port: 8080\n"));
    const auto& p = c.pools[0];
    CHECK(p.fallback == conf::Fallback::Refuse);
    CHECK(p.max_addrs_returned == 1024);
    CHECK(p.client_address == conf::ClientAddressSource::Resolver);
    CHECK(p.members[0].monitor_ip.str() == "10.9.9.9");
    CHECK(p.members[0].monitor_port == 8080);

    auto fo = loadOk(
        "pools:\n  p:\n    monitor: forced\n    lb_method: fogroup\n    members:\n"
        "    - {ip: 2001:db8::1, name: a, weight: 100, priority: 1}\n"
        "    - {ip: 10.0.0.2, name: b, weight: 0}\n"
        "globalnames:\n  www.example.com.:\n    pool: p\n    ttl: 5\n");
    CHECK(fo.pools[0].uses_priority);
    CHECK(fo.pools[0].members[0].priority == 1);
    CHECK(fo.pools[0].members[0].ip.family == base::Family::V6);
    CHECK(fo.pools[0].members[1].weight == 0);

    auto ch = loadOk(pool("    chash_prefix_v4: 16\n    chash_prefix_v6: 48\n")
                         .replace(pool().find("lb_method: wrr"), 14, "lb_method: chash"));
    CHECK(ch.pools[0].lb_method == conf::LbMethod::CHash);
    CHECK(ch.pools[0].chash_prefix_v4 == 16);
    CHECK(ch.pools[0].chash_prefix_v6 == 48);
}

TEST_CASE("invalid pool and member values name file, line, column and key") {
    struct Case {
        std::string lb;
        std::string key;
        std::string message;
        int line;
    };
    std::vector<Case> cases = {
        {pool("    fallback: maybe\n"), "pools.p.fallback", "expected any, refuse or pool:NAME", 5},
        {pool("    max_addrs_returned: 0\n"), "pools.p.max_addrs_returned", "between 1 and 1024",
         5},
        {pool("    max_addrs_returned: 1025\n"), "pools.p.max_addrs_returned", "between 1 and 1024",
         5},
        {pool("    max_addrs_returned: two\n"), "pools.p.max_addrs_returned", "expected an integer",
         5},
        {pool("    client_address: edns\n"), "pools.p.client_address", "ecs, resolver", 5},
        {pool("    topology_fallback: nearest\n"), "pools.p.topology_fallback",
         "only lb_method twrr", 5},
        {pool("    chash_prefix_v4: 24\n"), "pools.p.chash_prefix_v4", "only lb_method chash", 5},
        {pool("    lb_metod: wrr\n"), "pools.p.lb_metod", "did you mean \"lb_method\"", 5},
        {pool("", "      weight_: 1\n"), "pools.p.members[0].weight_", "did you mean \"weight\"",
         9},
        {pool("", "      priority: 1\n"), "pools.p.members[0].priority", "only lb_method fogroup",
         9},
        {pool("", "      monitor_ip: 10.0.0\n"), "pools.p.members[0].monitor_ip",
         "expected an IPv4 or IPv6", 9},
        {pool("", "      monitor_port: 0\n"), "pools.p.members[0].monitor_port",
         "between 1 and 65535", 9},
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

TEST_CASE("member rules follow Polaris: required keys, weights, duplicates") {
    std::string base = "pools:\n  p:\n    monitor: forced\n    lb_method: wrr\n    members:\n";
    std::string names = "globalnames:\n  w.example:\n    pool: p\n    ttl: 1\n";
    auto missing = loadOneError(base + "    - {ip: 10.0.0.1, weight: 1}\n" + names);
    CHECK(missing.key == "pools.p.members[0].name");
    CHECK_THAT(missing.message, Catch::Contains("required"));
    auto weight = loadOneError(base + "    - {ip: 10.0.0.1, name: a, weight: 101}\n" + names);
    CHECK(weight.key == "pools.p.members[0].weight");
    auto negative = loadOneError(base + "    - {ip: 10.0.0.1, name: a, weight: -1}\n" + names);
    CHECK(negative.key == "pools.p.members[0].weight");
    auto dup = loadOneError(base +
                            "    - {ip: 10.0.0.1, name: a, weight: 1}\n"
                            "    - {ip: 10.0.0.1, name: b, weight: 1}\n" +
                            names);
    CHECK(dup.key == "pools.p.members[1].ip");
    CHECK_THAT(dup.message, Catch::Contains("duplicate member address 10.0.0.1"));
    CHECK(dup.line == 7);
    auto empty = loadOneError(base.substr(0, base.size() - 13) + "    members: []\n" + names);
    CHECK(empty.key == "pools.p.members");
    auto longname = loadOneError(base + "    - {ip: 10.0.0.1, name: " + std::string(257, 'x') +
                                 ", weight: 1}\n" + names);
    CHECK(longname.key == "pools.p.members[0].name");
}

TEST_CASE("globalname rules: pool must exist, ttl at least 1, names normalised") {
    std::string p =
        "pools:\n  web:\n    monitor: forced\n    lb_method: wrr\n    members:\n"
        "    - {ip: 10.0.0.1, name: a, weight: 1}\n";
    auto e = loadOneError(p + "globalnames:\n  w.example:\n    pool: wbe\n    ttl: 1\n");
    CHECK(e.key == "globalnames[w.example].pool");
    CHECK_THAT(e.message, Catch::Contains("did you mean \"web\""));
    CHECK(e.line == 9);
    auto ttl = loadOneError(p + "globalnames:\n  w.example:\n    pool: web\n    ttl: 0\n");
    CHECK(ttl.key == "globalnames[w.example].ttl");
    auto nottl = loadOneError(p + "globalnames:\n  w.example:\n    pool: web\n");
    CHECK(nottl.key == "globalnames[w.example].ttl");
    CHECK_THAT(nottl.message, Catch::Contains("required"));
    auto dup = loadOneError(p +
                            "globalnames:\n  W.Example.:\n    pool: web\n    ttl: 1\n"
                            "  w.example:\n    pool: web\n    ttl: 1\n");
    CHECK(dup.key == "globalnames[w.example]");
    auto bad = loadOneError(p + "globalnames:\n  a..b:\n    pool: web\n    ttl: 1\n");
    CHECK_THAT(bad.message, Catch::Contains("not a valid DNS name"));
    auto c = loadOk(p + "globalnames:\n  WWW.Example.COM.:\n    pool: web\n    ttl: 30\n");
    CHECK(c.findGlobalName("www.example.com") != nullptr);
}

TEST_CASE("every error in a file is reported, not only the first") {
    std::string lb =
        "pools:\n  p:\n    monitor: htp\n    lb_method: rr\n    fallbak: any\n"
        "    members:\n    - {ip: 300.0.0.1, name: a, weight: 1}\n"
        "globalnames:\n  w.example:\n    pool: q\n    ttl: 0\n"
        "extra: 1\n";
    auto r = conf::loadLbText(lb, "", "lb.yaml", "t.yaml");
    auto errors = test::errorsOf(r);
    INFO(test::allErrors(r));
    std::vector<std::string> keys;
    for (const auto& e : errors) {
        keys.push_back(e.key);
    }
    for (const char* k :
         {"extra", "pools.p.monitor", "pools.p.lb_method", "pools.p.fallbak",
          "pools.p.members[0].ip", "globalnames[w.example].pool", "globalnames[w.example].ttl"}) {
        INFO(k);
        CHECK(std::find(keys.begin(), keys.end(), k) != keys.end());
    }
}

TEST_CASE("YAML syntax errors carry their position; missing sections are named") {
    auto e = loadOneError("pools:\n  p: [\n");
    CHECK_THAT(e.message, Catch::Contains("YAML syntax error"));
    CHECK(e.line >= 2);
    auto r = conf::loadLbText("pools: {}\n", "", "lb.yaml", "t.yaml");
    REQUIRE(test::errorsOf(r).size() == 1);
    CHECK(test::errorsOf(r)[0].key == "globalnames");
    auto notmap = loadOneError("- a\n- b\n");
    CHECK_THAT(notmap.message, Catch::Contains("expected a map"));
}
