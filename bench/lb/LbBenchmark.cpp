// ns per decision for each method at 2, 16 and 256 members, and twrr over a 100,000-prefix
// topology. The baseline in the same run is the cheapest possible decision: scan the verdicts
// and take the first usable member, which every method must at least do.
#include <benchmark/benchmark.h>

#include <random>

#include "lb/Balancer.hpp"
#include "lb/TopologyIndex.hpp"

using namespace pharos;

namespace {

struct Setup {
    conf::Pool pool;
    conf::Topology topology;
    lb::TopologyIndex index;
    std::unique_ptr<lb::Balancer> balancer;
    std::vector<lb::Health> health;
    std::vector<lb::Client> clients;

    Setup(conf::LbMethod method, int members, int prefixes) {
        std::mt19937 random(1);
        topology.regions.resize(8);
        for (int r = 0; r < 8; ++r) {
            topology.regions[size_t(r)].name = "r" + std::to_string(r);
        }
        // Distinct /24s (and a few /16s) spread over the regions.
        for (int i = 0; i < prefixes; ++i) {
            base::IpAddress a;
            uint32_t v = uint32_t(i) << 8 | 0x0A000000u;
            a.bytes = {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), 0};
            topology.regions[size_t(i % 8)].cidrs.push_back({a, 24});
        }
        index = lb::TopologyIndex(topology);
        pool.name = "bench";
        pool.lb_method = method;
        pool.max_addrs_returned = 2;
        for (int i = 0; i < members; ++i) {
            conf::Member m;
            m.ip.bytes = {10, uint8_t(i >> 8), uint8_t(i), 1};
            m.weight = 1 + i % 5;
            m.region = i % 8;
            pool.members.push_back(m);
            // One member in eight is down, like a real incident.
            health.push_back(i % 8 == 3 ? lb::Health::Down : lb::Health::Up);
        }
        balancer = lb::makeBalancer(pool, topology, index);
        for (int i = 0; i < 1024; ++i) {
            lb::Client c;
            uint32_t v = 0x0A000000u | (uint32_t(random()) % uint32_t(std::max(prefixes, 1) << 8));
            c.resolver.bytes = {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
            c.ecs = base::Cidr{c.resolver.masked(24), 24};
            clients.push_back(c);
        }
    }
};

void run(benchmark::State& state, conf::LbMethod method, int prefixes) {
    Setup s(method, int(state.range(0)), prefixes);
    lb::Answer answer;
    lb::WeightedSampler sampler(1);
    size_t i = 0;
    for (auto _ : state) {
        answer.clear();
        s.balancer->decide(s.health, s.clients[i++ & 1023], sampler, answer);
        benchmark::DoNotOptimize(answer.members.data());
    }
}

void BM_Baseline_FirstUsable(benchmark::State& state) {
    Setup s(conf::LbMethod::Wrr, int(state.range(0)), 0);
    lb::Answer answer;
    for (auto _ : state) {
        answer.clear();
        for (uint32_t m = 0; m < s.health.size(); ++m) {
            if (s.health[m] == lb::Health::Up && s.pool.members[m].weight > 0) {
                answer.members.push_back(m);
                break;
            }
        }
        benchmark::DoNotOptimize(answer.members.data());
    }
}

void BM_FailoverGroup(benchmark::State& state) {
    run(state, conf::LbMethod::FoGroup, 0);
}
void BM_WeightedRoundRobin(benchmark::State& state) {
    run(state, conf::LbMethod::Wrr, 0);
}
void BM_ConsistentHash(benchmark::State& state) {
    run(state, conf::LbMethod::CHash, 0);
}
void BM_TopologyWrr_100kPrefixes(benchmark::State& state) {
    run(state, conf::LbMethod::Twrr, 100000);
}

void BM_TopologyIndexFind_100kPrefixes(benchmark::State& state) {
    Setup s(conf::LbMethod::Twrr, 2, 100000);
    size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(s.index.find(s.clients[i++ & 1023].resolver));
    }
}

}  // namespace

BENCHMARK(BM_Baseline_FirstUsable)->Arg(2)->Arg(16)->Arg(256);
BENCHMARK(BM_FailoverGroup)->Arg(2)->Arg(16)->Arg(256);
BENCHMARK(BM_WeightedRoundRobin)->Arg(2)->Arg(16)->Arg(256);
BENCHMARK(BM_ConsistentHash)->Arg(2)->Arg(16)->Arg(256);
BENCHMARK(BM_TopologyWrr_100kPrefixes)->Arg(2)->Arg(16)->Arg(256);
BENCHMARK(BM_TopologyIndexFind_100kPrefixes);

BENCHMARK_MAIN();
