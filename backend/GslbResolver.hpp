#pragma once
// Answers pdns lookups for the globalnames: name -> pool -> verdicts -> lb decision -> records.
// Holds one immutable snapshot per configuration; a reload swaps the snapshot whole. Buffers
// are reused across lookups so a lookup does not allocate once they have grown.
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "backend/BackendStats.hpp"
#include "backend/HealthSource.hpp"
#include "backend/LookupRequest.hpp"
#include "conf/Config.hpp"
#include "lb/Balancer.hpp"
#include "lb/PoolBalancer.hpp"
#include "lb/TopologyIndex.hpp"

namespace pharos::backend {

struct ResolverOptions {
    uint64_t seed = std::random_device{}();  // of the weighted draws (tests fix it)
    std::string stats_block;                 // shared-memory name; empty: process memory
    std::string stats_group;
    int64_t started_ms = 0;
};

class GslbResolver {
  public:
    GslbResolver(conf::Config config, std::unique_ptr<HealthSource> health,
                 ResolverOptions options = {});
    ~GslbResolver();

    // Appends the JSON reply for one lookup to `reply`. `repeat`: the lookup is the second of
    // an identical pair pdns sends for one DNS query; it is answered but not counted again.
    void lookup(const LookupRequest& request, std::string& reply, bool repeat = false);
    void reload(conf::Config config);
    void noteRejectedReload() { ++stats_->header().reload_failures; }
    void refreshHealth() { health_->refresh(); }

    const conf::Config& config() const;
    BackendCounters& counters() { return stats_->counters(); }
    BackendStats& stats() { return *stats_; }

  private:
    struct Snapshot;
    enum class Want { A, Aaaa, Any, Nothing };
    static void appendEmptyNonTerminal(std::string_view qname, uint32_t ttl, std::string& reply);
    void appendRecords(const conf::Pool& pool, const std::vector<std::string>& address_text,
                       std::string_view qname, uint32_t ttl, int scope_mask, std::string& reply,
                       bool& first, bool count);

    std::unique_ptr<Snapshot> snapshot_;
    std::unique_ptr<HealthSource> health_;
    ResolverOptions options_;
    std::unique_ptr<BackendStats> stats_;
    std::string name_;                  // canonical qname, reused
    std::vector<lb::Health> verdicts_;  // reused
    lb::Answer answer_;                 // reused
    lb::WeightedSampler sampler_;
};

}  // namespace pharos::backend
