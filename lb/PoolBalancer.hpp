#pragma once
// A pool's decision for one address family. An A question is decided among the pool's IPv4
// members and an AAAA question among its IPv6 members, each as if the other family were not in
// the pool: health, fallback and max_addrs_returned all apply within the family, so a
// dual-stack pool never answers an A query with an IPv6 pick that then has to be dropped.
// A pool with cname members is decided whole instead, for either family, and picks one member:
// a CNAME cannot share its name with other records, so the caller answers a chosen CNAME
// alone, and a chosen address only to a question of its family.
// Every view decides through this class, by way of lb::Chain, so each shows exactly what the
// backend answers.
#include <memory>
#include <span>
#include <vector>

#include "lb/Balancer.hpp"
#include "lb/TopologyIndex.hpp"

namespace pharos::lb {

class PoolBalancer {
  public:
    // `pool`, `topology` and `index` must outlive the PoolBalancer.
    PoolBalancer(const conf::Pool& pool, const conf::Topology& topology,
                 const TopologyIndex& index);
    ~PoolBalancer();
    PoolBalancer(PoolBalancer&&) noexcept;

    // Whether the pool has members of this family at all.
    bool serves(base::Family family) const { return parts_[index(family)] != nullptr; }
    // Whether the pool is decided whole (it has cname members).
    bool whole() const { return whole_; }

    // health[i] is the verdict of pool.members[i] (the whole pool). Leaves `out` cleared when
    // the pool has no member of `family`; otherwise the answer's members index the whole pool.
    void decide(base::Family family, std::span<const Health> health, const Client& client,
                WeightedSampler& sampler, Answer& out, Trace* trace = nullptr) const;

  private:
    struct Part;
    size_t index(base::Family family) const { return whole_ || family == base::Family::V4 ? 0 : 1; }

    bool whole_ = false;
    std::unique_ptr<Part> parts_[2];
    mutable std::vector<Health> family_health_;  // scratch, kept to avoid allocating
};

}  // namespace pharos::lb
