#pragma once
// The one walk of a globalname's pools over verdicts. pharos-backend answers from it, and
// `pharosctl explain`, the status document, /metrics and the prober's answer watch say what the
// backend answers by asking it, so they cannot disagree. One Chain per configuration owns every
// pool's PoolBalancer and the topology index; the verdicts come from a VerdictSource
// (state::TableVerdicts in the programs, which applies the table-trust gate), and
// `fallback: pool:NAME` is walked by decideWithFallbacks. No I/O, no clock, and once its buffers
// have grown a decision allocates nothing.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "conf/Config.hpp"
#include "lb/Balancer.hpp"
#include "lb/PoolBalancer.hpp"
#include "lb/TopologyIndex.hpp"
#include "lb/Trace.hpp"
#include "lb/VerdictSource.hpp"

namespace pharos::lb {

// One decision of a pool and its fallback chain.
struct Decision {
    size_t pool = 0;      // the pool that answered: `answer.members` index its members
    Answer answer;        // the members, and whether a fallback was taken or records refused
    int scope_mask = 0;   // what pdns gets with the records (scopeMaskFor)
    bool trusted = true;  // every verdict read came from a table the source trusts
};

// Why a decision came out as it did: one step per pool of the fallback chain it visited.
struct ChainTrace {
    struct Step {
        size_t pool;
        Trace trace;
    };
    std::vector<Step> steps;
};

class Chain {
  public:
    // Eager builds every pool's balancer at once (pharos-backend, on its reload thread, so a
    // lookup never builds one); OnDemand builds each when a decision first needs it (pharosctl
    // explain needs one chain of a 100,000-pool configuration).
    enum class Build { Eager, OnDemand };
    // `config` and `verdicts` must outlive the Chain.
    Chain(const conf::Config& config, VerdictSource& verdicts, Build build = Build::OnDemand);
    ~Chain();
    Chain(const Chain&) = delete;
    Chain& operator=(const Chain&) = delete;

    const conf::Config& config() const { return config_; }
    VerdictSource& source() { return source_; }

    // Whether a name of `pool` is decided once, whole: the pool or one on its fallback chain
    // has cname members, and a CNAME cannot share its name, so one member (a CNAME or an
    // address of either family) answers every question. Otherwise it is decided once per
    // address family its pool has.
    bool decidedWhole(size_t pool) const { return whole_[pool] != 0; }
    // The decisions a name of `pool` takes, A before AAAA: {V4} alone when decided whole (the
    // family then only names the one decision), none for a pool without members.
    std::span<const base::Family> families(size_t pool);
    const PoolBalancer& balancer(size_t pool);

    // The verdicts `pool` is decided over, as the source gives them now; `trusted` is cleared
    // when the source failed open. Valid until the next call.
    std::span<const Health> verdicts(size_t pool, bool& trusted);

    // Decides `pool` and its fallback chain for one client and family; the decision stays
    // valid until the next one. `trace`, when given, gets a step per pool visited.
    const Decision& decide(size_t pool, base::Family family, const Client& client,
                           WeightedSampler& sampler, ChainTrace* trace = nullptr);
    const Decision& decide(const conf::GlobalName& name, base::Family family, const Client& client,
                           WeightedSampler& sampler, ChainTrace* trace = nullptr) {
        return decide(size_t(name.pool_index), family, client, sampler, trace);
    }

  private:
    const conf::Config& config_;
    VerdictSource& source_;
    TopologyIndex index_;
    std::vector<std::optional<PoolBalancer>> balancers_;  // by pool; built once, never moved
    std::vector<uint8_t> whole_;    // decidedWhole() by pool (bytes: read on every lookup)
    std::vector<Health> verdicts_;  // scratch, reused
    Decision decision_;             // reused
};

}  // namespace pharos::lb
