#include "health/PolicyDriver.hpp"

#include <algorithm>

#include "base/Clock.hpp"
#include "base/Log.hpp"
#include "policy/PoolPolicy.hpp"

namespace pharos::health {

PolicyDriver::PolicyDriver(AdminStateKeeper& keeper, EventReporter& events, bool clustered)
    : keeper_(keeper), events_(events), clustered_(clustered) {}

void PolicyDriver::findPolicyPools(ProbeRun& run) {
    const auto& config = run.config();
    std::vector<bool> windowed(config.pools.size());
    for (const auto& w : config.maintenance) {
        if (w.pool_index >= 0) {
            windowed[size_t(w.pool_index)] = true;
        }
    }
    policy_pools_.clear();
    policy_pool_.assign(config.pools.size(), false);
    for (uint32_t p = 0; p < config.pools.size(); ++p) {
        const auto& pool = config.pools[p];
        if (policy::hasPolicy(pool, windowed[p]) || keeper_.state().policy.holder(pool.name)) {
            policy_pools_.push_back(p);
            policy_pool_[p] = true;
        } else {
            for (uint32_t i = 0; i < pool.members.size(); ++i) {
                run.setHold(pool.first_slot + i, state::PolicyHold::None);  // a reload removed it
            }
        }
    }
    if (!clustered_) {
        // In a cluster other nodes may still have them (a rolling change of the LB file):
        // dropping them here would delete them from the cluster. Records of pools this node
        // lacks hold nothing here.
        dropRecordsOfRemoved(config);
    }
}

// Records of pools and members a reload removed have nothing left to hold.
void PolicyDriver::dropRecordsOfRemoved(const conf::Config& config) {
    auto gone = [&](const std::string& pool, const std::string& address) {
        int p = config.poolIndex(pool);
        if (p < 0) {
            return true;
        }
        for (const auto& m : config.pools[size_t(p)].members) {
            if (conf::memberTarget(m) == address) {
                return false;
            }
        }
        return true;
    };
    admin::PolicyRecords& records = keeper_.records();
    size_t removed = std::erase_if(records.holders,
                                   [&](const admin::Holder& h) { return gone(h.pool, h.address); });
    removed += std::erase_if(records.approvals, [&](const admin::PendingApproval& a) {
        return gone(a.pool, a.address);
    });
    if (removed > 0) {
        PHAROS_LOG(Info, "DR policies: dropped " << removed
                                                 << " records of pools or members no longer "
                                                    "configured");
        keeper_.saveSoon(config.settings, "records of removed members dropped");
    }
}

bool PolicyDriver::governed(const conf::Config& config, const conf::Pool& pool) const {
    if (policy::hasPolicy(pool, false) || keeper_.state().policy.holder(pool.name)) {
        return true;
    }
    return std::any_of(config.maintenance.begin(), config.maintenance.end(),
                       [&](const conf::MaintenanceWindow& w) { return w.pool == pool.name; });
}

void PolicyDriver::publishAll(ProbeRun& run, bool restore) {
    const auto& pools = run.config().pools;
    for (uint32_t p = 0; p < pools.size(); ++p) {
        if (policy_pool_[p]) {
            decide(run, pools[p], restore);
        } else {
            keeper_.publishOverrides(run, pools[p]);
        }
    }
}

void PolicyDriver::decideAll(ProbeRun& run) {
    for (uint32_t p : policy_pools_) {
        decide(run, run.config().pools[p], false);
    }
}

void PolicyDriver::decideOnChange(ProbeRun& run, const conf::Pool& pool, uint32_t member,
                                  state::SlotView& next) {
    decide(run, pool, false, int(member), &next);
}

void PolicyDriver::decide(ProbeRun& run, const conf::Pool& pool, bool restore, int changed,
                          state::SlotView* next) {
    const auto& config = run.config();
    int64_t now = base::realtimeMs();
    std::vector<policy::MemberView> views(pool.members.size());
    for (uint32_t i = 0; i < pool.members.size(); ++i) {
        state::SlotView published = run.table().read(pool.first_slot + i);
        const state::SlotView& v = int(i) == changed ? *next : published;
        auto& view = views[i];
        // An alert_only member's checks never move answers, so no policy acts on them either.
        bool alert_only = pool.members[i].alert_only;
        view.published = alert_only ? state::MemberState::Up : published.state;
        view.state = alert_only ? state::MemberState::Up : v.state;
        view.down_since_ms = v.last_change_ms;
        view.admin = keeper_.adminOf(pool, i);  // as it is about to be published, with the holds
        view.hold = v.hold;
        view.in_maintenance = policy::inMaintenance(config, pool, pool.members[i], now);
    }
    std::vector<state::PolicyHold> holds(pool.members.size());
    auto events = policy::decideHolds(pool, views, keeper_.records(), now, holds, restore);
    for (uint32_t i = 0; i < pool.members.size(); ++i) {
        if (int(i) == changed) {
            next->admin = views[i].admin;
            next->hold = holds[i];
            continue;
        }
        state::SlotView was = run.setAdminAndHold(pool.first_slot + i, views[i].admin, holds[i]);
        if (was.admin != views[i].admin) {
            events_.adminChanged(pool, i, was.admin, keeper_.overrideOf(pool, i));
        }
        if (was.hold != holds[i]) {
            events_.holdChanged(pool, i, holds[i]);
        }
    }
    events_.policyEvents(pool, events, now);
    if (!events.empty()) {  // every change to the records comes with an event
        keeper_.saveSoon(config.settings, "DR policy records changed");
    }
}

}  // namespace pharos::health
