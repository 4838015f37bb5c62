#pragma once
// Answers pdns lookups for the globalnames: name -> pool -> verdicts -> lb decision -> records.
// Holds one immutable snapshot per configuration; a reload swaps the snapshot whole. Buffers
// are reused across lookups so a lookup does not allocate once they have grown.
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "backend/LookupRequest.hpp"
#include "conf/Config.hpp"
#include "lb/Balancer.hpp"
#include "lb/PoolBalancer.hpp"
#include "lb/TopologyIndex.hpp"
#include "state/BackendStats.hpp"
#include "state/TableVerdicts.hpp"

namespace pharos::backend {

struct ResolverOptions {
    uint64_t seed = std::random_device{}();  // of the weighted draws (tests fix it)
    std::string stats_block;                 // shared-memory name; empty: process memory
    std::string stats_group;
    int64_t started_ms = 0;
};

class GslbResolver {
  public:
    GslbResolver(conf::Config config, std::unique_ptr<lb::VerdictSource> health,
                 ResolverOptions options = {});
    ~GslbResolver();

    // Appends the JSON reply for one lookup to `reply`. `repeat`: the lookup is the second of
    // an identical pair pdns sends for one DNS query; it is answered but not counted again.
    void lookup(const LookupRequest& request, std::string& reply, bool repeat = false);
    // A reload in two steps, so the lookup thread never parses or builds. prepare() runs on
    // any thread, one at a time: it reads the current snapshot and counters, which only
    // install() replaces. install() runs on the lookup thread, swaps pointers, and hands back
    // what it replaced, to be freed on another thread.
    struct Prepared;
    struct FreePrepared {
        void operator()(Prepared* p) const;  // where Prepared is complete
    };
    using PreparedPtr = std::unique_ptr<Prepared, FreePrepared>;
    PreparedPtr prepare(conf::Config config) const;
    PreparedPtr install(PreparedPtr next);
    void reload(conf::Config config);  // prepare() and install() at once, for tests
    void noteRejectedReload() { ++stats_->header().reload_failures; }
    void refreshHealth() { health_->refresh(); }

    const conf::Config& config() const;
    state::BackendCounters& counters() { return stats_->counters(); }
    state::BackendStats& stats() { return *stats_; }

  private:
    struct Snapshot;
    enum class Want { A, Aaaa, Any, Cname, Other };
    // One lookup being answered.
    struct Query {
        const LookupRequest& request;
        const conf::GlobalName& gn;
        state::NameCounters& per_name;
        lb::Client client;
        Want want;
        bool count;           // not the repeat of a lookup already counted
        bool trusted = true;  // every verdict read came from a table the backend trusts
    };
    static Want wantOf(std::string_view qtype);
    size_t decide(Query& query, base::Family family);
    bool answerWhole(Query& query, std::string& reply);
    bool answerByFamily(Query& query, std::string& reply);
    static void appendEmptyNonTerminal(std::string_view qname, uint32_t ttl, std::string& reply);
    void appendRecords(const conf::Pool& pool, const std::vector<std::string>& address_text,
                       std::string_view qname, uint32_t ttl, int scope_mask, base::Family family,
                       std::string& reply, bool& first, bool count);
    static void appendRecordEnd(uint32_t ttl, int scope_mask, std::string& reply);
    void appendCname(const conf::Pool& pool, const std::string& target, uint32_t index,
                     std::string_view qname, uint32_t ttl, int scope_mask, std::string& reply,
                     bool count);

    std::unique_ptr<Snapshot> snapshot_;
    std::unique_ptr<lb::VerdictSource> health_;
    ResolverOptions options_;
    std::unique_ptr<state::BackendStats> stats_;
    std::string name_;                  // canonical qname, reused
    std::vector<lb::Health> verdicts_;  // reused
    lb::Answer answer_;                 // reused
    lb::WeightedSampler sampler_;
};

}  // namespace pharos::backend
