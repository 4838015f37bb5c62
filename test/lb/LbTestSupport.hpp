#pragma once
#include <catch2/catch.hpp>
#include <map>
#include <memory>

#include "lb/Balancer.hpp"
#include "lb/TopologyIndex.hpp"
#include "lb/Trace.hpp"

namespace pharos::test {

inline base::IpAddress ip(const std::string& text) {
    return *base::IpAddress::parse(text);
}

inline conf::Member member(const std::string& address, int weight = 1, int priority = 0,
                           int region = -1) {
    conf::Member m;
    m.ip = ip(address);
    m.monitor_ip = m.ip;
    m.name = "m-" + address;
    m.weight = weight;
    m.priority = priority;
    m.region = region;
    return m;
}

inline conf::Pool pool(conf::LbMethod method, std::vector<conf::Member> members,
                       conf::Fallback fallback = conf::Fallback::Any, int max_addrs = 1) {
    conf::Pool p;
    p.name = "pool";
    p.lb_method = method;
    p.fallback = fallback;
    p.max_addrs_returned = max_addrs;
    p.members = std::move(members);
    for (const auto& m : p.members) {
        p.uses_priority = p.uses_priority || m.priority != 0;
    }
    return p;
}

inline lb::Client client(const std::string& resolver, const std::string& ecs = "") {
    lb::Client c;
    c.resolver = ip(resolver);
    if (!ecs.empty()) {
        c.ecs = *base::Cidr::parse(ecs, false);
    }
    return c;
}

// A balancer with everything it refers to kept alive beside it, and a seeded sampler so every
// run draws the same answers.
struct Lb {
    conf::Pool pool;
    conf::Topology topology;
    lb::TopologyIndex index;
    std::unique_ptr<lb::Balancer> balancer;
    lb::WeightedSampler sampler{12345};

    Lb(conf::Pool p, conf::Topology t = {})
        : pool(std::move(p)), topology(std::move(t)), index(topology) {
        balancer = lb::makeBalancer(pool, topology, index);
    }
    lb::Answer decide(const std::vector<lb::Health>& health, const lb::Client& c = {}) {
        lb::Answer a;
        balancer->decide(health, c, sampler, a);
        return a;
    }
    lb::Answer decide(const std::vector<lb::Health>& health, const std::string& resolver,
                      const std::string& ecs = "") {
        return decide(health, client(resolver, ecs));
    }
    // The scopeMask the backend would send pdns with this answer.
    int scopeMask(const std::vector<lb::Health>& health, const std::string& resolver,
                  const std::string& ecs = "") {
        auto c = client(resolver, ecs);
        return lb::scopeMaskFor(decide(health, c), c);
    }
    // How often each member is answered first over `queries` queries.
    std::map<uint32_t, int> firsts(const std::vector<lb::Health>& health, int queries) {
        std::map<uint32_t, int> counts;
        for (int i = 0; i < queries; ++i) {
            auto a = decide(health);
            REQUIRE_FALSE(a.members.empty());
            ++counts[a.members[0]];
        }
        return counts;
    }
};

constexpr auto Up = lb::Health::Up;
constexpr auto Down = lb::Health::Down;
constexpr auto Unknown = lb::Health::Unknown;

inline conf::Topology topology(
    std::vector<std::pair<std::string, std::vector<std::string>>> regions) {
    conf::Topology t;
    for (auto& [name, cidrs] : regions) {
        conf::Region r;
        r.name = name;
        for (auto& c : cidrs) {
            r.cidrs.push_back(*base::Cidr::parse(c));
        }
        t.regions.push_back(r);
    }
    return t;
}

}  // namespace pharos::test
