#pragma once
// Answers pdns lookups for the globalnames: name -> lb::Chain's decision over the health
// table's verdicts -> records. Holds one immutable snapshot per configuration; a reload swaps
// the snapshot whole. Buffers are reused across lookups so a lookup does not allocate once they
// have grown. The records go back to the protocol, which alone writes pdns's JSON.
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "backend/LookupAnswer.hpp"
#include "backend/LookupRequest.hpp"
#include "conf/Config.hpp"
#include "lb/Chain.hpp"
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

    // The answer to one lookup, valid until the next lookup or reload. `repeat`: the lookup is
    // the second of an identical pair pdns sends for one DNS query; it is answered but not
    // counted again.
    const LookupAnswer& lookup(const LookupRequest& request, bool repeat = false);
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
        const conf::GlobalName& gn;
        state::NameCounters& per_name;
        lb::Client client;
        Want want;
        bool count;           // not the repeat of a lookup already counted
        bool trusted = true;  // every verdict read came from a table the backend trusts
    };
    static Want wantOf(std::string_view qtype);
    const lb::Decision& decide(Query& query, base::Family family);
    bool answerWhole(Query& query);
    bool answerByFamily(Query& query);
    void addRecords(const lb::Decision& decision, base::Family family, const Query& query);
    void addEmptyNonTerminal(uint32_t ttl);

    std::unique_ptr<lb::VerdictSource> health_;  // before snapshot_: its chain refers to it
    std::unique_ptr<Snapshot> snapshot_;
    ResolverOptions options_;
    std::unique_ptr<state::BackendStats> stats_;
    std::string name_;     // canonical qname, reused
    LookupAnswer answer_;  // reused
    lb::WeightedSampler sampler_;
};

}  // namespace pharos::backend
