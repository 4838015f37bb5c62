#pragma once
// The DR policies (docs/LB.md) at work: which pools a policy or a record governs, and, for
// those, the hold of every member (policy/PoolPolicy decides it) published with its override
// in one write. A pool is decided when a probe changes one of its members (before that state is
// written, so the state and its hold reach the backend in one store), after every command, and
// on the prober's 200 ms tick for deadlines and maintenance windows.
#include <cstdint>
#include <vector>

#include "conf/Config.hpp"
#include "health/AdminStateKeeper.hpp"
#include "health/EventReporter.hpp"
#include "health/ProbeRun.hpp"

namespace pharos::health {

class PolicyDriver {
  public:
    // `clustered`: the records are shared with other nodes, which may have pools this one
    // lacks, so records of pools this configuration does not have are kept.
    PolicyDriver(AdminStateKeeper& keeper, EventReporter& events, bool clustered);

    // Finds the pools of `run` that a policy or a record governs; the others lose any hold (a
    // reload removed their policy). Standalone, drops the records of pools and members the
    // configuration no longer has.
    void findPolicyPools(ProbeRun& run);
    // Whether a policy or a record governs `pool` of `config` (any run's, a reload's new one
    // included).
    bool governed(const conf::Config& config, const conf::Pool& pool) const;

    // Publishes every member's override, with the holds decided for it in governed pools.
    // `restore`: the first decision after the start, which may restore holders the records
    // lost (policy::decideHolds).
    void publishAll(ProbeRun& run, bool restore = false);
    // Decides every governed pool again (time passes: deadlines, maintenance windows).
    void decideAll(ProbeRun& run);
    // Decides `pool` as `member`'s probe state is about to change to `next`: sets next's
    // admin and hold, and writes the others' slots.
    void decideOnChange(ProbeRun& run, const conf::Pool& pool, uint32_t member,
                        state::SlotView& next);

  private:
    void decide(ProbeRun& run, const conf::Pool& pool, bool restore, int changed = -1,
                state::SlotView* next = nullptr);
    void dropRecordsOfRemoved(const conf::Config& config);

    AdminStateKeeper& keeper_;
    EventReporter& events_;
    bool clustered_;
    std::vector<uint32_t> policy_pools_;  // pools with a policy or a record: the ones to decide
    std::vector<bool> policy_pool_;       // the same, by pool index
};

}  // namespace pharos::health
