#pragma once
#include <catch2/catch.hpp>
#include <memory>
#include <nlohmann/json.hpp>

#include "backend/GslbResolver.hpp"
#include "backend/RemoteBackendProtocol.hpp"
#include "conf/ConfigLoader.hpp"

namespace pharos::test {

// Verdicts set by the test; `trusted` false plays a missing table (fail-open).
class FakeHealth : public lb::VerdictSource {
  public:
    std::vector<lb::Health> verdicts;  // by slot; missing slots are Up
    bool trusted = true;
    bool fill(const conf::Config&, const conf::Pool& pool, std::span<lb::Health> out) override {
        for (size_t i = 0; i < out.size(); ++i) {
            size_t slot = pool.first_slot + i;
            out[i] = !trusted || slot >= verdicts.size() ? lb::Health::Up : verdicts[slot];
        }
        return trusted;
    }
};

constexpr const char* kLb = R"(
pools:
  web:
    monitor: forced
    lb_method: fogroup
    members:
    - {ip: 10.1.0.5, name: www1, weight: 1}
    - {ip: 10.2.0.5, name: www2, weight: 1}
  dual:
    monitor: forced
    lb_method: wrr
    max_addrs_returned: 2
    members:
    - {ip: 192.0.2.10, name: v4, weight: 1}
    - {ip: 2001:db8::10, name: v6, weight: 1}
  dual1:
    monitor: forced
    lb_method: wrr
    members:
    - {ip: 192.0.2.20, name: a4, weight: 1}
    - {ip: 2001:db8::20, name: a6, weight: 1}
    - {ip: 192.0.2.21, name: b4, weight: 1}
    - {ip: 2001:db8::21, name: b6, weight: 1}
  geo:
    monitor: forced
    lb_method: twrr
    fallback: refuse
    members:
    - {ip: 10.1.0.7, name: a, weight: 1}
    - {ip: 10.2.0.7, name: b, weight: 1}
globalnames:
  MyWeb.Contoso.Local.: {pool: web, ttl: 1}
  dual.contoso.local: {pool: dual, ttl: 30}
  dual1.contoso.local: {pool: dual1, ttl: 30}
  geo.contoso.local: {pool: geo, ttl: 5}
  a.deep.contoso.local: {pool: web, ttl: 9}
)";

constexpr const char* kTopology = "a: [10.1.0.0/16]\nb: [10.2.0.0/16]\n";

struct Backend {
    FakeHealth* health;
    std::unique_ptr<backend::GslbResolver> resolver;
    std::unique_ptr<backend::RemoteBackendProtocol> protocol;

    Backend() {
        auto result = conf::loadLbText(kLb, kTopology);
        REQUIRE(std::holds_alternative<conf::Config>(result));
        auto fake = std::make_unique<FakeHealth>();
        health = fake.get();
        resolver = std::make_unique<backend::GslbResolver>(
            std::move(std::get<conf::Config>(result)), std::move(fake));
        protocol = std::make_unique<backend::RemoteBackendProtocol>(*resolver);
    }

    nlohmann::json ask(const std::string& request) {
        std::string reply;
        protocol->handle(request, reply);
        INFO(reply);
        auto json = nlohmann::json::parse(reply, nullptr, false);
        REQUIRE_FALSE(json.is_discarded());
        REQUIRE(json.contains("result"));
        return json;
    }

    nlohmann::json lookup(const std::string& qtype, const std::string& qname,
                          const std::string& remote = "10.9.9.9",
                          const std::string& real_remote = "") {
        nlohmann::json p = {{"qtype", qtype},
                            {"qname", qname},
                            {"remote", remote},
                            {"local", "127.0.0.1"},
                            {"zone-id", 1},
                            {"real-remote", real_remote.empty() ? remote + "/32" : real_remote}};
        return ask(nlohmann::json{{"method", "lookup"}, {"parameters", p}}.dump());
    }

    // The health slot of a member: pools sort by name (dual, dual1, geo, web).
    size_t slot(const std::string& pool, size_t member) {
        const auto& c = resolver->config();
        return c.pools[size_t(c.poolIndex(pool))].first_slot + member;
    }
    void set(const std::string& pool, size_t member, lb::Health h) {
        health->verdicts.resize(resolver->config().slot_count, lb::Health::Up);
        health->verdicts[slot(pool, member)] = h;
    }
};

inline std::vector<std::string> contents(const nlohmann::json& reply) {
    std::vector<std::string> out;
    if (reply["result"].is_array()) {
        for (const auto& r : reply["result"]) {
            out.push_back(r["qtype"].get<std::string>() + " " + r["content"].get<std::string>());
        }
    }
    return out;
}

}  // namespace pharos::test
