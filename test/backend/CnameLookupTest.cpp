// Lookups of a globalname whose pool has cname members. pdns's remote backend expects a lookup
// of one type to return records of that type only (pdns chases a CNAME from its own ANY lookup,
// and takes anything but a SOA in a SOA lookup as a permanent error): a chosen CNAME answers
// ANY and CNAME lookups, a chosen address ANY and lookups of its own family, and SOA, NS, DS,
// DNAME and the rest get nothing.
#include "BackendTestSupport.hpp"

using namespace pharos;
using Strings = std::vector<std::string>;

namespace {

constexpr const char* kCnameLb = R"(
pools:
  edge:
    monitor: forced
    lb_method: fogroup
    members:
    - {ip: 10.0.0.1, name: origin, weight: 1}
    - {cname: Edge.Example.NET., name: cdn, weight: 1}
  edge6:
    monitor: forced
    lb_method: fogroup
    members:
    - {ip: 2001:db8::1, name: origin6, weight: 1}
    - {cname: edge.example.net, name: cdn, weight: 1}
  plain:
    monitor: forced
    lb_method: wrr
    members:
    - {ip: 10.0.0.2, name: p, weight: 1}
globalnames:
  www.example.com: {pool: edge, ttl: 7}
  v6.example.com: {pool: edge6, ttl: 3}
  plain.example.com: {pool: plain, ttl: 5}
)";

struct CnameBackend {
    test::FakeHealth* health;
    std::unique_ptr<backend::GslbResolver> resolver;
    std::unique_ptr<backend::RemoteBackendProtocol> protocol;

    CnameBackend() {
        auto result = conf::loadLbText(kCnameLb, "");
        REQUIRE(std::holds_alternative<conf::Config>(result));
        auto fake = std::make_unique<test::FakeHealth>();
        health = fake.get();
        resolver = std::make_unique<backend::GslbResolver>(
            std::move(std::get<conf::Config>(result)), std::move(fake));
        protocol = std::make_unique<backend::RemoteBackendProtocol>(*resolver);
        health->verdicts.assign(resolver->config().slot_count, lb::Health::Up);
    }

    nlohmann::json lookup(const std::string& qtype, const std::string& qname) {
        nlohmann::json p = {{"qtype", qtype},       {"qname", qname},
                            {"remote", "10.9.9.9"}, {"local", "127.0.0.1"},
                            {"zone-id", 1},         {"real-remote", "10.9.9.9/32"}};
        std::string reply;
        protocol->handle(nlohmann::json{{"method", "lookup"}, {"parameters", p}}.dump(), reply);
        INFO(reply);
        auto json = nlohmann::json::parse(reply, nullptr, false);
        REQUIRE_FALSE(json.is_discarded());
        REQUIRE(json.contains("result"));
        return json;
    }

    // edge: origin slot 0, cdn slot 1; edge6: origin6 slot 2, cdn slot 3; plain: slot 4.
    void setOrigin(lb::Health h) { health->verdicts[0] = h; }
    void setOrigin6(lb::Health h) { health->verdicts[2] = h; }
};

}  // namespace

TEST_CASE("cname pool: with the address member up, address questions get the address") {
    CnameBackend b;
    REQUIRE(b.resolver->config().pools[0].has_cname);
    CHECK(test::contents(b.lookup("A", "www.example.com.")) == Strings{"A 10.0.0.1"});
    CHECK(test::contents(b.lookup("ANY", "www.example.com.")) == Strings{"A 10.0.0.1"});
    // The name has an A only: AAAA and TXT get `false` (no records of that type, as for any
    // globalname), never the CNAME beside the A.
    CHECK(b.lookup("AAAA", "www.example.com.")["result"] == false);
    CHECK(b.lookup("TXT", "www.example.com.")["result"] == false);
    for (const char* qtype : {"SOA", "NS", "DS", "CNAME"}) {
        INFO(qtype);
        CHECK(b.lookup(qtype, "www.example.com.")["result"] == false);
    }
}

TEST_CASE("cname pool: with the address member down, ANY and CNAME lookups get the CNAME alone") {
    CnameBackend b;
    b.setOrigin(lb::Health::Down);
    for (const char* qtype : {"A", "AAAA", "TXT", "MX", "SOA", "NS", "DS", "DNAME"}) {
        INFO(qtype);
        CHECK(b.lookup(qtype, "www.example.com.")["result"] == false);
    }
    for (const char* qtype : {"ANY", "CNAME"}) {
        INFO(qtype);
        auto r = b.lookup(qtype, "www.example.com.");
        REQUIRE(r["result"].is_array());
        REQUIRE(r["result"].size() == 1);
        const auto& record = r["result"][0];
        CHECK(record["qtype"] == "CNAME");
        CHECK(record["content"] == "edge.example.net.");
        CHECK(record["qname"] == "www.example.com.");
        CHECK(record["ttl"] == 7);
        CHECK(record["auth"] == true);
    }
    // Up again: the address is back.
    b.setOrigin(lb::Health::Up);
    CHECK(test::contents(b.lookup("ANY", "www.example.com.")) == Strings{"A 10.0.0.1"});
}

TEST_CASE("cname pool with an IPv6 address member: AAAA and ANY get the AAAA, A gets none") {
    CnameBackend b;
    CHECK(test::contents(b.lookup("AAAA", "v6.example.com.")) == Strings{"AAAA 2001:db8::1"});
    CHECK(test::contents(b.lookup("ANY", "v6.example.com.")) == Strings{"AAAA 2001:db8::1"});
    CHECK(b.lookup("A", "v6.example.com.")["result"] == false);
    CHECK(b.lookup("CNAME", "v6.example.com.")["result"] == false);
    b.setOrigin6(lb::Health::Down);
    CHECK(b.lookup("AAAA", "v6.example.com.")["result"] == false);
    for (const char* qtype : {"ANY", "CNAME"}) {
        INFO(qtype);
        auto r = b.lookup(qtype, "v6.example.com.");
        REQUIRE(r["result"].is_array());
        REQUIRE(r["result"].size() == 1);
        CHECK(r["result"][0]["qtype"] == "CNAME");
        CHECK(r["result"][0]["content"] == "edge.example.net.");
        CHECK(r["result"][0]["ttl"] == 3);
    }
}

TEST_CASE("a name on a pool without cname members still answers only A, AAAA and ANY") {
    CnameBackend b;
    CHECK(b.lookup("TXT", "plain.example.com.")["result"] == false);
    CHECK(b.lookup("MX", "plain.example.com.")["result"] == false);
    CHECK(test::contents(b.lookup("A", "plain.example.com.")) == Strings{"A 10.0.0.2"});
    b.setOrigin(lb::Health::Down);  // another pool's member: no effect here
    CHECK(b.lookup("TXT", "plain.example.com.")["result"] == false);
    CHECK(b.lookup("TXT", "nothere.example.com.")["result"] == false);
    for (const char* qtype : {"SOA", "NS", "DS", "CNAME"}) {
        INFO(qtype);
        CHECK(b.lookup(qtype, "plain.example.com.")["result"] == false);
        CHECK(b.lookup(qtype, "example.com.")["result"] == false);  // an empty non-terminal
    }
}
