#pragma once
// Answers pdns lookups for the globalnames: name -> pool -> verdicts -> lb decision -> records.
// Holds one immutable snapshot per configuration; a reload swaps the snapshot whole. Buffers
// are reused across lookups so a lookup does not allocate once they have grown.
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "backend/BackendCounters.hpp"
#include "backend/HealthSource.hpp"
#include "backend/LookupRequest.hpp"
#include "conf/Config.hpp"
#include "lb/Balancer.hpp"
#include "lb/PoolBalancer.hpp"
#include "lb/TopologyIndex.hpp"

namespace pharos::backend {

class GslbResolver {
  public:
    // `seed` seeds the weighted draws (tests pass a fixed one).
    GslbResolver(conf::Config config, std::unique_ptr<HealthSource> health,
                 uint64_t seed = std::random_device{}());
    ~GslbResolver();

    // Appends the JSON reply for one lookup to `reply`.
    void lookup(const LookupRequest& request, std::string& reply);
    void reload(conf::Config config);
    void refreshHealth() { health_->refresh(); }

    const conf::Config& config() const;
    BackendCounters& counters() { return counters_; }

  private:
    struct Snapshot;
    enum class Want { A, Aaaa, Any, Nothing };
    static void appendEmptyNonTerminal(std::string_view qname, uint32_t ttl, std::string& reply);
    void appendRecords(const conf::Pool& pool, const std::vector<std::string>& address_text,
                       std::string_view qname, uint32_t ttl, int scope_mask, std::string& reply,
                       bool& first);

    std::unique_ptr<Snapshot> snapshot_;
    std::unique_ptr<HealthSource> health_;
    BackendCounters counters_;
    std::string name_;                  // canonical qname, reused
    std::vector<lb::Health> verdicts_;  // reused
    lb::Answer answer_;                 // reused
    lb::WeightedSampler sampler_;
};

}  // namespace pharos::backend
