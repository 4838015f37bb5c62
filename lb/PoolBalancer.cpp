#include "lb/PoolBalancer.hpp"

#include "lb/Trace.hpp"

namespace pharos::lb {

struct PoolBalancer::Part {
    conf::Pool family_pool;          // the family's members, when the pool has both families
    const conf::Pool* pool;          // what the balancer decides over
    std::vector<uint32_t> to_whole;  // member index in *pool -> in the whole pool; empty: same
    std::unique_ptr<Balancer> balancer;
};

PoolBalancer::PoolBalancer(const conf::Pool& pool, const conf::Topology& topology,
                           const TopologyIndex& index)
    : whole_(pool.has_cname) {
    if (whole_) {
        auto part = std::make_unique<Part>();
        part->family_pool = pool;
        part->family_pool.max_addrs_returned = 1;
        part->pool = &part->family_pool;
        part->balancer = makeBalancer(*part->pool, topology, index);
        parts_[0] = std::move(part);
        return;
    }
    bool present[2] = {false, false};
    for (const auto& m : pool.members) {
        present[m.ip.family == base::Family::V4 ? 0 : 1] = true;
    }
    for (base::Family family : {base::Family::V4, base::Family::V6}) {
        size_t f = family == base::Family::V4 ? 0 : 1;
        if (!present[f]) {
            continue;
        }
        auto part = std::make_unique<Part>();
        part->pool = &pool;
        if (present[1 - f]) {
            part->family_pool = pool;
            part->family_pool.members.clear();
            for (uint32_t i = 0; i < pool.members.size(); ++i) {
                if (pool.members[i].ip.family == family) {
                    part->family_pool.members.push_back(pool.members[i]);
                    part->to_whole.push_back(i);
                }
            }
            part->pool = &part->family_pool;
        }
        part->balancer = makeBalancer(*part->pool, topology, index);
        parts_[f] = std::move(part);
    }
}

PoolBalancer::~PoolBalancer() = default;
PoolBalancer::PoolBalancer(PoolBalancer&&) noexcept = default;

void PoolBalancer::decide(base::Family family, std::span<const Health> health, const Client& client,
                          WeightedSampler& sampler, Answer& out, Trace* trace) const {
    out.clear();
    const Part* part = parts_[index(family)].get();
    if (!part) {
        return;
    }
    if (part->to_whole.empty()) {
        part->balancer->decide(health, client, sampler, out, trace);
        return;
    }
    family_health_.resize(part->to_whole.size());
    for (size_t i = 0; i < part->to_whole.size(); ++i) {
        family_health_[i] = health[part->to_whole[i]];
    }
    part->balancer->decide(family_health_, client, sampler, out, trace);
    for (uint32_t& m : out.members) {
        m = part->to_whole[m];
    }
    if (trace) {
        for (auto& skip : trace->skipped) {
            skip.member = part->to_whole[skip.member];
        }
    }
}

}  // namespace pharos::lb
