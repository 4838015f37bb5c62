// lb::Chain: the one walk of a name's pools over a VerdictSource's verdicts, which the backend
// answers from and every view reports.
#include "LbTestSupport.hpp"
#include "lb/Chain.hpp"
#include "lb/FallbackChain.hpp"
#include "lb/VerdictSnapshot.hpp"

using namespace pharos;
using lb::Health;
using test::member;

namespace {

// Verdicts by slot, set by the test; `trusted` false plays a table the gate does not trust
// (fail-open: every member up).
struct FixedVerdicts : lb::VerdictSource {
    std::vector<Health> by_slot;
    bool trusted = true;
    int fills = 0;
    bool fill(const conf::Config&, const conf::Pool& pool, std::span<Health> out) override {
        ++fills;
        for (size_t i = 0; i < out.size(); ++i) {
            out[i] = trusted ? by_slot[pool.first_slot + i] : Health::Up;
        }
        return trusted;
    }
};

conf::Pool named(const std::string& name, conf::LbMethod method, std::vector<conf::Member> members,
                 conf::Fallback fallback, const std::string& next = "", int max_addrs = 1) {
    conf::Pool p = test::pool(method, std::move(members), fallback, max_addrs);
    p.name = name;
    p.fallback_pool = next;
    return p;
}

conf::Member cname(const std::string& target) {
    conf::Member m;
    m.cname = target;
    m.name = "c-" + target;
    m.weight = 1;
    return m;
}

// front (wrr, two addresses) -> middle (fogroup, IPv6 only) -> last (fogroup, fallback any);
// edge (cname members, fallback refuse); toedge (an address pool falling back to edge).
struct World {
    conf::Config config;
    FixedVerdicts verdicts;
    lb::WeightedSampler sampler{7};

    World() {
        config.pools = {
            named("front", conf::LbMethod::Wrr, {member("10.0.0.1"), member("10.0.0.2")},
                  conf::Fallback::Pool, "middle", 2),
            named("middle", conf::LbMethod::FoGroup, {member("fd00::1")}, conf::Fallback::Pool,
                  "last"),
            named("last", conf::LbMethod::FoGroup, {member("10.0.2.1"), member("10.0.2.2")},
                  conf::Fallback::Any),
            named("edge", conf::LbMethod::FoGroup, {member("10.0.3.1"), cname("cdn.example")},
                  conf::Fallback::Refuse),
            named("toedge", conf::LbMethod::FoGroup, {member("10.0.4.1"), member("fd00::4")},
                  conf::Fallback::Pool, "edge"),
        };
        for (auto& p : config.pools) {
            p.has_cname = std::any_of(p.members.begin(), p.members.end(),
                                      [](const conf::Member& m) { return m.isCname(); });
        }
        std::sort(config.pools.begin(), config.pools.end(),
                  [](auto& a, auto& b) { return a.name < b.name; });
        conf::finalizeLayout(config);
        verdicts.by_slot.assign(config.slot_count, Health::Up);
    }
    size_t at(const std::string& name) const { return size_t(config.poolIndex(name)); }
    void set(const std::string& pool, size_t m, Health h) {
        verdicts.by_slot[config.pools[at(pool)].first_slot + m] = h;
    }
    // "pool:address,address" of a decision, "fallback " first when one was taken.
    static std::string text(const conf::Config& config, const lb::Decision& d) {
        std::string out = (d.answer.fallback ? "fallback " : "") + config.pools[d.pool].name + ":";
        for (size_t i = 0; i < d.answer.members.size(); ++i) {
            out += (i ? "," : "") +
                   conf::memberTarget(config.pools[d.pool].members[d.answer.members[i]]);
        }
        return out;
    }
};

std::string decide(World& w, lb::Chain& chain, const std::string& pool, base::Family family,
                   lb::ChainTrace* trace = nullptr) {
    return World::text(
        w.config, chain.decide(w.at(pool), family, test::client("192.0.2.1"), w.sampler, trace));
}

}  // namespace

TEST_CASE("chain: each pool of a fallback chain decides by its own verdicts") {
    World w;
    lb::Chain chain(w.config, w.verdicts);
    std::string both = decide(w, chain, "front", base::Family::V4);
    CHECK((both == "front:10.0.0.1,10.0.0.2" || both == "front:10.0.0.2,10.0.0.1"));
    w.set("front", 0, Health::Down);
    CHECK(decide(w, chain, "front", base::Family::V4) == "front:10.0.0.2");
    w.set("front", 1, Health::Drained);
    // middle has no IPv4 member: it passes its turn on to last.
    lb::ChainTrace trace;
    CHECK(decide(w, chain, "front", base::Family::V4, &trace) == "fallback last:10.0.2.1");
    REQUIRE(trace.steps.size() == 3);
    CHECK(w.config.pools[trace.steps[0].pool].name == "front");
    CHECK(w.config.pools[trace.steps[1].pool].name == "middle");
    CHECK(w.config.pools[trace.steps[2].pool].name == "last");
    CHECK(trace.steps[0].trace.skipped.size() == 2);
    w.set("last", 0, Health::Down);
    CHECK(decide(w, chain, "front", base::Family::V4) == "fallback last:10.0.2.2");
    // In IPv6, middle answers.
    CHECK(decide(w, chain, "middle", base::Family::V6) == "middle:fd00::1");
}

TEST_CASE("chain: the same decisions as decideWithFallbacks over the same verdicts") {
    World w;
    lb::Chain chain(w.config, w.verdicts, lb::Chain::Build::Eager);
    lb::TopologyIndex index(w.config.topology);
    std::vector<std::unique_ptr<lb::PoolBalancer>> balancers;
    for (const auto& p : w.config.pools) {
        balancers.push_back(std::make_unique<lb::PoolBalancer>(p, w.config.topology, index));
    }
    lb::WeightedSampler other{7};
    for (int round = 0; round < 64; ++round) {
        for (size_t slot = 0; slot < w.verdicts.by_slot.size(); ++slot) {
            w.verdicts.by_slot[slot] = Health((round >> (slot % 3)) % 4);
        }
        for (size_t p = 0; p < w.config.pools.size(); ++p) {
            for (base::Family family : {base::Family::V4, base::Family::V6}) {
                lb::Answer expected;
                auto client = test::client("192.0.2.1");
                size_t pool = lb::decideWithFallbacks(
                    w.config, p, family,
                    [&](size_t at) -> const lb::PoolBalancer& { return *balancers[at]; },
                    [&](size_t at) {
                        const auto& q = w.config.pools[at];
                        return std::span<const Health>(w.verdicts.by_slot)
                            .subspan(q.first_slot, q.members.size());
                    },
                    [](size_t, size_t) -> lb::Trace* { return nullptr; }, client, other, expected);
                const lb::Decision& d = chain.decide(p, family, client, w.sampler);
                INFO(w.config.pools[p].name << " round " << round);
                CHECK(d.pool == pool);
                CHECK(d.answer.members == expected.members);
                CHECK(d.answer.fallback == expected.fallback);
                CHECK(d.answer.refused == expected.refused);
                CHECK(d.scope_mask == lb::scopeMaskFor(expected, client));
                CHECK(d.trusted);
            }
        }
    }
}

TEST_CASE("chain: a source that fails open counts every member up, and says so") {
    World w;
    lb::Chain chain(w.config, w.verdicts);
    w.set("front", 0, Health::Down);
    w.set("front", 1, Health::Down);
    CHECK(decide(w, chain, "front", base::Family::V4) == "fallback last:10.0.2.1");
    CHECK(chain.decide(w.at("front"), base::Family::V4, {}, w.sampler).trusted);
    w.verdicts.trusted = false;
    const lb::Decision& d = chain.decide(w.at("front"), base::Family::V4, {}, w.sampler);
    CHECK_FALSE(d.trusted);
    CHECK(d.answer.members.size() == 2);
    CHECK_FALSE(d.answer.fallback);
    bool trusted = true;
    auto verdicts = chain.verdicts(w.at("front"), trusted);
    CHECK_FALSE(trusted);
    CHECK(std::all_of(verdicts.begin(), verdicts.end(), [](Health h) { return h == Health::Up; }));
    w.verdicts.trusted = true;  // each decision asks again
    CHECK(chain.decide(w.at("front"), base::Family::V4, {}, w.sampler).trusted);
}

TEST_CASE("chain: a name whose chain has cname members is decided once, whole") {
    World w;
    lb::Chain chain(w.config, w.verdicts);
    CHECK(chain.decidedWhole(w.at("edge")));
    CHECK(chain.decidedWhole(w.at("toedge")));  // a pool of its chain has cname members
    CHECK_FALSE(chain.decidedWhole(w.at("front")));
    auto families = [&](const std::string& pool) {
        auto f = chain.families(w.at(pool));
        return std::vector<base::Family>(f.begin(), f.end());
    };
    using F = std::vector<base::Family>;
    CHECK(families("edge") == F{base::Family::V4});
    CHECK(families("toedge") == F{base::Family::V4});
    CHECK(families("front") == F{base::Family::V4});
    CHECK(families("middle") == F{base::Family::V6});
    w.set("edge", 0, Health::Down);
    CHECK(decide(w, chain, "edge", base::Family::V4) == "edge:cdn.example");
    w.set("toedge", 0, Health::Down);
    CHECK(decide(w, chain, "toedge", base::Family::V4) == "fallback edge:cdn.example");
    w.set("edge", 1, Health::Down);
    const lb::Decision& refused = chain.decide(w.at("edge"), base::Family::V4, {}, w.sampler);
    CHECK(refused.answer.refused);
    CHECK(refused.answer.members.empty());
}

TEST_CASE("chain: the scope mask is the one pdns gets with the records") {
    conf::Config config;
    config.topology = test::topology({{"a", {"10.1.0.0/16"}}, {"b", {"10.2.0.0/16"}}});
    conf::Pool geo =
        named("geo", conf::LbMethod::Twrr,
              {member("10.1.0.7", 1, 0, 0), member("10.2.0.7", 1, 0, 1)}, conf::Fallback::Refuse);
    config.pools = {geo};
    conf::finalizeLayout(config);
    FixedVerdicts verdicts;
    verdicts.by_slot.assign(config.slot_count, Health::Up);
    lb::Chain chain(config, verdicts);
    lb::WeightedSampler sampler(1);
    auto by_resolver = test::client("10.2.3.4");
    const lb::Decision& d = chain.decide(0, base::Family::V4, by_resolver, sampler);
    REQUIRE(d.answer.members == std::vector<uint32_t>{1});
    CHECK(d.scope_mask == 32);
    auto by_ecs = test::client("192.0.2.1", "10.1.2.0/24");
    const lb::Decision& e = chain.decide(0, base::Family::V4, by_ecs, sampler);
    REQUIRE(e.answer.members == std::vector<uint32_t>{0});
    CHECK(e.scope_mask == lb::scopeMaskFor(e.answer, by_ecs));
    CHECK(e.scope_mask > 0);
}

TEST_CASE("verdict snapshot: each pool read once, its trust kept with it") {
    World w;
    lb::VerdictSnapshot snapshot(w.verdicts);
    lb::Chain chain(w.config, snapshot);
    w.set("front", 0, Health::Down);
    for (int i = 0; i < 10; ++i) {
        CHECK(decide(w, chain, "front", base::Family::V4) == "front:10.0.0.2");
    }
    CHECK(w.verdicts.fills == 1);
    w.set("front", 0, Health::Up);  // not seen: one moment's verdicts
    CHECK(decide(w, chain, "front", base::Family::V4) == "front:10.0.0.2");
    w.verdicts.trusted = false;
    bool trusted = true;
    chain.verdicts(w.at("last"), trusted);  // read now, untrusted
    CHECK_FALSE(trusted);
    trusted = true;
    chain.verdicts(w.at("front"), trusted);  // read before, trusted then
    CHECK(trusted);
}
