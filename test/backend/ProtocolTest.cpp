#include <unistd.h>

#include <filesystem>
#include <set>
#include "BackendTestSupport.hpp"
#include "state/BackendStats.hpp"
#include "state/SharedMemory.hpp"

using namespace pharos;
using test::contents;
using Strings = std::vector<std::string>;

TEST_CASE("initialize, getAllDomains and the methods pharos has nothing for") {
    test::Backend b;
    CHECK(
        b.ask(R"({"method":"initialize","parameters":{"path":"/x","timeout":"2000"}})")["result"] ==
        true);
    auto all = b.ask(R"({"method":"getAllDomains","parameters":{"include_disabled":false}})");
    CHECK(all["result"] == nlohmann::json::array());
    for (const char* method : {"getDomainInfo", "list", "getDomainMetadata", "getAllDomainMetadata",
                               "getDomainKeys", "getBeforeAndAfterNamesAbsolute", "getTSIGKeys"}) {
        INFO(method);
        auto r = b.ask(std::string(R"({"method":")") + method +
                       R"(","parameters":{"name":"contoso.local."}})");
        CHECK(r["result"] == false);
    }
    CHECK(b.resolver->counters().unknown_methods == 0);
    auto unknown = b.ask(R"({"method":"feedRecord","parameters":{}})");
    CHECK(unknown["result"] == false);
    CHECK(b.resolver->counters().unknown_methods == 1);
}

TEST_CASE("malformed requests get a result false with a log line, and are counted") {
    test::Backend b;
    for (const char* bad :
         {"not json", "[1,2]", R"({"parameters":{}})", R"({"method":7})",
          R"({"method":"lookup","parameters":[]})",
          R"({"method":"lookup","parameters":{"qtype":"A"}})",
          R"({"method":"lookup","parameters":{"qtype":"A","qname":5}})",
          R"({"method":"lookup","parameters":{"qtype":"A","qname":"x.","remote":1}})"}) {
        INFO(bad);
        auto r = b.ask(bad);
        CHECK(r["result"] == false);
        CHECK(r["log"].is_array());
    }
    CHECK(b.resolver->counters().malformed == 8);
}

TEST_CASE("lookups: ANY, A and AAAA for a globalname; other types and misses are false") {
    test::Backend b;
    auto any = b.lookup("ANY", "myweb.contoso.local.");
    REQUIRE(any["result"].size() == 1);
    const auto& rr = any["result"][0];
    CHECK(rr["qtype"] == "A");
    CHECK(rr["qname"] == "myweb.contoso.local.");
    CHECK(rr["content"] == "10.1.0.5");
    CHECK(rr["ttl"] == 1);
    CHECK(rr["auth"] == true);
    CHECK_FALSE(rr.contains("scopeMask"));  // no ECS in the query
    CHECK(contents(b.lookup("A", "MYWEB.contoso.LOCAL")) == Strings{"A 10.1.0.5"});
    CHECK(b.lookup("AAAA", "myweb.contoso.local.")["result"] == false);
    CHECK(b.lookup("MX", "myweb.contoso.local.")["result"] == false);
    CHECK(b.lookup("SOA", "contoso.local.")["result"] == false);
    CHECK(b.lookup("ANY", "other.contoso.local.")["result"] == false);
    CHECK(b.resolver->counters().lookup_hits == 3);
}

TEST_CASE("dual-stack pools answer each family from its own members") {
    test::Backend b;
    CHECK(contents(b.lookup("A", "dual.contoso.local.")) == Strings{"A 192.0.2.10"});
    CHECK(contents(b.lookup("AAAA", "dual.contoso.local.")) == Strings{"AAAA 2001:db8::10"});
    CHECK(contents(b.lookup("ANY", "dual.contoso.local.")) ==
          Strings{"A 192.0.2.10", "AAAA 2001:db8::10"});
    b.set("dual", 0, lb::Health::Down);  // v4 down: fallback any still gives an A record
    for (int i = 0; i < 20; ++i) {
        CHECK(contents(b.lookup("ANY", "dual.contoso.local.")) ==
              Strings{"A 192.0.2.10", "AAAA 2001:db8::10"});
    }
}

TEST_CASE("dual-stack, one address, IPv4 all down: every ANY lookup has an A and an AAAA") {
    test::Backend b;
    b.set("dual1", 0, lb::Health::Down);
    b.set("dual1", 2, lb::Health::Down);
    std::set<std::string> seen;
    for (int i = 0; i < 40; ++i) {
        auto records = contents(b.lookup("ANY", "dual1.contoso.local."));
        REQUIRE(records.size() == 2);
        CHECK(records[0].rfind("A 192.0.2.2", 0) == 0);  // fallback any, within IPv4
        CHECK(records[1].rfind("AAAA 2001:db8::2", 0) == 0);
        seen.insert(records[0]);
        auto a = contents(b.lookup("A", "dual1.contoso.local."));
        REQUIRE(a.size() == 1);
        CHECK(a[0].rfind("A ", 0) == 0);
    }
    CHECK(seen.size() == 2);  // the fallback spreads over both IPv4 members
}

TEST_CASE("a name above a globalname is an empty non-terminal, not NXDOMAIN") {
    test::Backend b;
    auto deep = b.lookup("ANY", "Deep.contoso.local.");
    REQUIRE(deep["result"].size() == 1);
    CHECK(deep["result"][0]["qtype"] == "TYPE0");
    CHECK(deep["result"][0]["ttl"] == 9);
    CHECK(b.lookup("A", "deep.contoso.local.")["result"] == false);
    CHECK(b.lookup("ANY", "b.deep.contoso.local.")["result"] == false);
    CHECK(contents(b.lookup("ANY", "a.deep.contoso.local.")) == Strings{"A 10.1.0.5"});
}

TEST_CASE("health drives the answer; fail-open when the table cannot be trusted") {
    test::Backend b;
    b.set("web", 0, lb::Health::Down);
    CHECK(contents(b.lookup("ANY", "myweb.contoso.local.")) == Strings{"A 10.2.0.5"});
    b.health->trusted = false;
    CHECK(contents(b.lookup("ANY", "myweb.contoso.local.")) == Strings{"A 10.1.0.5"});
    CHECK(b.resolver->counters().fail_open_answers == 1);
}

TEST_CASE("ECS: real-remote steers twrr and the reply carries the scope") {
    test::Backend b;
    auto by_resolver = b.lookup("ANY", "geo.contoso.local.", "10.1.3.3");
    CHECK(contents(by_resolver) == Strings{"A 10.1.0.7"});
    // Steered by the resolver: a scopeMask keeps pdns from caching it for other resolvers.
    CHECK(by_resolver["result"][0]["scopeMask"] == 32);
    auto by_ecs = b.lookup("ANY", "geo.contoso.local.", "10.1.3.3", "10.2.44.0/24");
    CHECK(contents(by_ecs) == Strings{"A 10.2.0.7"});
    CHECK(by_ecs["result"][0]["scopeMask"] == 16);
}

TEST_CASE("fallback refuse answers an empty non-terminal: NODATA, not NXDOMAIN") {
    test::Backend b;
    b.set("geo", 0, lb::Health::Down);
    b.set("geo", 1, lb::Health::Down);
    auto r = b.lookup("ANY", "geo.contoso.local.");
    REQUIRE(r["result"].size() == 1);
    CHECK(r["result"][0]["qtype"] == "TYPE0");
    CHECK(r["result"][0]["content"] == "");
    CHECK(b.resolver->counters().refused_answers == 1);
}

TEST_CASE("lookups the scanner cannot read take the JSON path with the same answer") {
    test::Backend b;
    auto fast = b.ask(
        R"({"method":"lookup","parameters":{"qtype":"ANY","qname":"myweb.contoso.local.","remote":"10.9.9.9","local":"127.0.0.1","real-remote":"10.9.9.9/32","zone-id":1}})");
    CHECK(b.resolver->counters().fast_path == 1);
    auto slow = b.ask(
        R"({"method":"lookup","parameters":{"qtype":"ANY","qname":"myweb.contoso.lo\u0063al.","remote":"10.9.9.9","local":"127.0.0.1","real-remote":"10.9.9.9/32","zone-id":1}})");
    CHECK(b.resolver->counters().fast_path == 1);
    CHECK(contents(fast) == contents(slow));
}

TEST_CASE("reload swaps the configuration whole") {
    test::Backend b;
    auto result = conf::loadLbText(
        "pools:\n  p:\n    monitor: forced\n    lb_method: wrr\n    members:\n"
        "    - {ip: 10.7.0.1, name: n, weight: 1}\n"
        "globalnames:\n  new.contoso.local: {pool: p, ttl: 9}\n",
        "");
    REQUIRE(std::holds_alternative<conf::Config>(result));
    b.resolver->reload(std::move(std::get<conf::Config>(result)));
    CHECK(b.lookup("ANY", "myweb.contoso.local.")["result"] == false);
    auto r = b.lookup("ANY", "new.contoso.local.");
    CHECK(contents(r) == Strings{"A 10.7.0.1"});
    CHECK(r["result"][0]["ttl"] == 9);
}

TEST_CASE("a reload's stats block is published when the reload is installed, not when built") {
    auto config = [] {
        auto result = conf::loadLbText(test::kLb, test::kTopology);
        REQUIRE(std::holds_alternative<conf::Config>(result));
        return std::move(std::get<conf::Config>(result));
    };
    backend::ResolverOptions options;
    options.stats_block = "/pharos-test-stats-" + std::to_string(getpid());
    backend::GslbResolver resolver(config(), std::make_unique<test::FakeHealth>(), options);
    backend::RemoteBackendProtocol protocol(resolver);
    auto lookup = [&] {
        std::string reply;
        protocol.handle(R"({"method":"lookup","parameters":{"qtype":"ANY","qname":)"
                        R"("myweb.contoso.local.","remote":"10.9.9.9","zone-id":1}})",
                        reply);
    };
    // The lookups counted in the block a reader (pharos-health's /metrics) finds by name.
    auto published = [&] {
        state::SharedMemory block;
        REQUIRE(block.openReadOnly(options.stats_block));
        const auto* header = static_cast<const state::StatsHeader*>(block.data());
        auto layout = state::StatsLayout::of(header->globalname_count, header->slot_count);
        const auto* counters = reinterpret_cast<const state::BackendCounters*>(
            static_cast<const char*>(block.data()) + layout.counters);
        return uint64_t(counters->lookups);
    };
    lookup();
    CHECK(published() == 1);
    auto prepared = resolver.prepare(config());
    lookup();  // counted in the block in use, which readers must still see
    CHECK(published() == 2);
    resolver.install(std::move(prepared)).reset();
    lookup();
    CHECK(published() == 3);  // the new block, with the totals carried over
    // A reload built but never installed leaves nothing behind in /dev/shm.
    resolver.prepare(config()).reset();
    CHECK(published() == 3);
    state::unlinkSharedMemory(options.stats_block);
    CHECK_FALSE(std::filesystem::exists("/dev/shm" + options.stats_block + ".new." +
                                        std::to_string(getpid())));
}
