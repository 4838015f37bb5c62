// fallback: pool:NAME chains, walked as the backend, explain and status walk them.
#include "LbTestSupport.hpp"
#include "lb/FallbackChain.hpp"
#include "lb/PoolBalancer.hpp"

using namespace pharos;
using lb::Health;
using test::member;

namespace {

// front (wrr) -> middle (fogroup) -> last (fogroup, fallback any); `last_v6` adds an IPv6
// member to `last` only.
struct Chain {
    conf::Config config;
    lb::TopologyIndex index{config.topology};
    std::vector<std::unique_ptr<lb::PoolBalancer>> balancers;
    std::vector<std::vector<Health>> health;
    lb::WeightedSampler sampler{7};

    Chain() {
        auto add = [&](const std::string& name, conf::LbMethod method,
                       std::vector<conf::Member> members, conf::Fallback fallback,
                       const std::string& next) {
            conf::Pool p = test::pool(method, std::move(members), fallback);
            p.name = name;
            p.fallback_pool = next;
            config.pools.push_back(p);
        };
        add("front", conf::LbMethod::Wrr, {member("10.0.0.1")}, conf::Fallback::Pool, "middle");
        add("last", conf::LbMethod::FoGroup, {member("10.0.2.1"), member("10.0.2.2")},
            conf::Fallback::Any, "");
        add("middle", conf::LbMethod::FoGroup, {member("fd00::1")}, conf::Fallback::Pool, "last");
        std::sort(config.pools.begin(), config.pools.end(),
                  [](auto& a, auto& b) { return a.name < b.name; });
        conf::finalizeLayout(config);
        for (const auto& p : config.pools) {
            balancers.push_back(std::make_unique<lb::PoolBalancer>(p, config.topology, index));
            health.emplace_back(p.members.size(), Health::Up);
        }
    }
    size_t at(const std::string& name) const { return size_t(config.poolIndex(name)); }
    // The addresses answered for `family`, and the pools a trace was asked for.
    std::string decide(base::Family family, std::vector<std::string>* visited = nullptr) {
        lb::Answer out;
        std::vector<lb::Trace> traces(8);
        size_t answered = lb::decideWithFallbacks(
            config, at("front"), family,
            [&](size_t p) -> const lb::PoolBalancer& { return *balancers[p]; },
            [&](size_t p) { return std::span<const Health>(health[p]); },
            [&](size_t step, size_t p) {
                if (visited) {
                    visited->push_back(config.pools[p].name);
                }
                return &traces[step];
            },
            test::client("192.0.2.1"), sampler, out);
        std::string text;
        for (uint32_t m : out.members) {
            text += (text.empty() ? "" : ",") + config.pools[answered].members[m].ip.str();
        }
        return (out.fallback ? "fallback:" : "") + text;
    }
};

}  // namespace

TEST_CASE("fallback chains: each pool answers by its own health, then hands on") {
    Chain c;
    CHECK(c.decide(base::Family::V4) == "10.0.0.1");
    c.health[c.at("front")][0] = Health::Down;
    std::vector<std::string> visited;
    // middle has no IPv4 member: it passes its turn on to last (and says so in its trace).
    CHECK(c.decide(base::Family::V4, &visited) == "fallback:10.0.2.1");
    CHECK(visited == std::vector<std::string>{"front", "middle", "last"});
    c.health[c.at("last")][0] = Health::Down;
    CHECK(c.decide(base::Family::V4) == "fallback:10.0.2.2");
    c.health[c.at("last")][1] = Health::Down;
    // The last pool's own fallback (any) ends the chain.
    std::string any = c.decide(base::Family::V4);
    CHECK((any == "fallback:10.0.2.1" || any == "fallback:10.0.2.2"));
    c.health[c.at("last")][0] = Health::Drained;
    c.health[c.at("last")][1] = Health::Drained;
    CHECK(c.decide(base::Family::V4) == "fallback:");
}

TEST_CASE("fallback chains: the IPv6 answer walks the chain in its own family") {
    Chain c;
    c.health[c.at("front")][0] = Health::Down;  // front has no IPv6 member anyway
    CHECK(c.decide(base::Family::V6) == "");    // the walk starts only where the family exists
    Chain d;
    d.config.pools[d.at("front")].members[0].ip = test::ip("fd00::9");
    d.balancers[d.at("front")] = std::make_unique<lb::PoolBalancer>(d.config.pools[d.at("front")],
                                                                    d.config.topology, d.index);
    d.health[d.at("front")][0] = Health::Down;
    CHECK(d.decide(base::Family::V6) == "fallback:fd00::1");
}
