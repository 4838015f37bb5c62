#include "policy/PoolPolicy.hpp"

#include <algorithm>
#include <climits>

namespace pharos::policy {

using state::AdminOverride;
using state::MemberState;
using state::PolicyHold;

namespace {

// Why a member may or may not be answered before the approval and sticky rules.
enum class Base : uint8_t { Usable, ProbeDown, OperatorOut };

struct Decision {
    const conf::Pool& pool;
    std::span<const MemberView> members;
    admin::PolicyRecords& records;
    int64_t now;
    std::span<PolicyHold> holds;
    bool restore;
    std::vector<Base> base;
    std::vector<std::string> addresses;  // the members' addresses, as the records key them
    std::vector<PolicyEvent> events;

    int rank(size_t i) const { return pool.uses_priority ? pool.members[i].priority : int(i); }
    bool eligible(size_t i) const { return pool.members[i].weight > 0; }
    bool usable(size_t i) const {
        return base[i] == Base::Usable || holds[i] == PolicyHold::AwaitingApproval;
    }
    const std::string& address(size_t i) const { return addresses[i]; }
    void note(std::string what, size_t i, std::string detail) {
        events.push_back({std::move(what), pool.members[i].name, std::move(detail)});
    }

    // Whether the backend answered member i with the holds published before this decision.
    static bool wasUsable(const MemberView& m) {
        return state::answerable(m.published, m.admin, m.hold);
    }

    void decideBase() {
        int64_t after_ms = int64_t(pool.failover_after.count() * 1000);
        for (size_t i = 0; i < members.size(); ++i) {
            const MemberView& m = members[i];
            holds[i] = PolicyHold::None;
            if (m.admin != AdminOverride::None) {
                // An operator's explicit override outranks every schedule and policy.
                base[i] = m.admin == AdminOverride::ForcedUp ? Base::Usable : Base::OperatorOut;
            } else if (m.in_maintenance) {
                base[i] = Base::OperatorOut;
                holds[i] = PolicyHold::Maintenance;
            } else if (m.state == MemberState::Up) {
                base[i] = Base::Usable;
            } else if (after_ms > 0 && now - m.down_since_ms < after_ms && wasUsable(m) &&
                       !records.approval(pool.name, address(i))) {
                // Only a member being answered is kept: not one that was never up (a new
                // member, a fresh table), nor one already out when failover_after grew, nor
                // one whose failover already awaits approval.
                base[i] = Base::Usable;
                holds[i] = PolicyHold::FailoverAfter;
            } else {
                base[i] = Base::ProbeDown;
            }
        }
    }

    // The best rank the backend answered before this decision; INT_MAX when none.
    int answeredRank() const {
        int best = INT_MAX;
        for (size_t i = 0; i < members.size(); ++i) {
            if (eligible(i) && wasUsable(members[i])) {
                best = std::min(best, rank(i));
            }
        }
        return best;
    }

    // Losing member i moves the answers away from the preferred side: it is answered, no
    // other member of its tier or a better one is usable, so they would go to a worse tier.
    // (A holder failing while the preferred member is back is a failback, asked of nobody.)
    bool lastOfAnsweredTier(size_t i, int answered) const {
        return eligible(i) && rank(i) == answered && wasUsable(members[i]) && !servedAtOrBefore(i);
    }

    bool servedAtOrBefore(size_t i) const {
        for (size_t j = 0; j < members.size(); ++j) {
            if (j != i && eligible(j) && rank(j) <= rank(i) && base[j] == Base::Usable) {
                return true;
            }
        }
        return false;
    }

    void decideApprovals() {
        if (pool.failover != conf::FailoverMode::Manual) {
            for (const auto& a : records.approvalsOf(pool.name)) {
                events.push_back({"approval-dropped", a.member, "failover is auto now"});
            }
            records.dropApprovals(pool.name);
            return;
        }
        for (size_t i = 0; i < members.size(); ++i) {
            const admin::PendingApproval* a = records.approval(pool.name, address(i));
            if (!a) {
                continue;
            }
            const char* why = base[i] == Base::Usable        ? "came back before approval"
                              : base[i] == Base::OperatorOut ? "taken out by an operator"
                              : servedAtOrBefore(i) ? "answers are on a member as preferred"
                                                    : nullptr;
            if (!why) {
                holds[i] = a->approved ? PolicyHold::None : PolicyHold::AwaitingApproval;
                continue;
            }
            bool approved = a->approved;
            records.clearApproval(pool.name, address(i));
            note(approved ? "approval-done" : "approval-cleared", i, why);
        }
        int answered = answeredRank();
        for (size_t i = 0; i < members.size(); ++i) {
            if (base[i] == Base::ProbeDown && !records.approval(pool.name, address(i)) &&
                lastOfAnsweredTier(i, answered)) {
                holds[i] = PolicyHold::AwaitingApproval;
                records.addPending({pool.name, pool.members[i].name, address(i), now, false, ""});
                note("approval-pending", i,
                     "down; answers stay on it until `pharosctl failover " + pool.name + "`");
            }
        }
    }

    int bestRank() const {
        int best = INT_MAX;
        for (size_t i = 0; i < members.size(); ++i) {
            if (eligible(i) && usable(i)) {
                best = std::min(best, rank(i));
            }
        }
        return best;
    }

    int preferredRank() const {
        int best = INT_MAX;
        for (size_t i = 0; i < members.size(); ++i) {
            if (eligible(i)) {
                best = std::min(best, rank(i));
            }
        }
        return best;
    }

    // The first usable member of `r`, the one a new holder record names.
    size_t firstUsableOf(int r) const {
        for (size_t i = 0; i < members.size(); ++i) {
            if (eligible(i) && usable(i) && rank(i) == r) {
                return i;
            }
        }
        return members.size();
    }

    int memberAt(const std::string& addr) const {
        for (size_t i = 0; i < members.size(); ++i) {
            if (conf::memberTarget(pool.members[i]) == addr) {
                return int(i);
            }
        }
        return -1;
    }

    void hold(size_t i, std::string what, std::string detail, bool directed = false,
              std::string by = "", std::string reason = "") {
        records.setHolder({pool.name, pool.members[i].name, address(i), directed, now,
                           std::move(by), std::move(reason)});
        note(std::move(what), i, std::move(detail));
    }

    // While a member has no first verdict (a fresh table, a member a reload added), which
    // member the normal rules prefer is not known: no holder is set, moved or cleared.
    bool partial() const {
        return std::any_of(members.begin(), members.end(), [](const MemberView& m) {
            return m.state == MemberState::Unknown && m.admin == AdminOverride::None;
        });
    }

    // Members the table shows held off mean a holder the records lost (an admin-state file
    // deleted or unreadable at start): the holder is the best usable member ranked after
    // them, so the answers stay where they were.
    const admin::Holder* restoreHolder() {
        int worst_off = INT_MIN;
        for (size_t i = 0; i < members.size(); ++i) {
            if (members[i].hold == PolicyHold::HeldOff) {
                worst_off = std::max(worst_off, rank(i));
            }
        }
        if (worst_off == INT_MIN) {
            return nullptr;
        }
        int best_after = INT_MAX;
        for (size_t i = 0; i < members.size(); ++i) {
            if (eligible(i) && usable(i) && rank(i) > worst_off) {
                best_after = std::min(best_after, rank(i));
            }
        }
        if (best_after == INT_MAX) {
            return nullptr;
        }
        hold(firstUsableOf(best_after), "holder-restored",
             "the table kept members held off for it; the records had lost it");
        return records.holder(pool.name);
    }

    void decideSticky() {
        const admin::Holder* h = records.holder(pool.name);
        int at = h ? memberAt(h->address) : -1;
        if (h && at < 0) {
            events.push_back({"holder-cleared", h->member, "no longer a member of the pool"});
            records.clearHolder(pool.name);
            h = nullptr;
        }
        int best = bestRank();
        bool manual = pool.failback == conf::FailbackMode::Manual;
        bool unsure = partial();
        if (h && !h->directed && !manual) {
            events.push_back({"holder-cleared", h->member, "failback is auto now"});
            records.clearHolder(pool.name);
            h = nullptr;
        }
        if (!h && !unsure && restore && (h = restoreHolder())) {
            at = memberAt(h->address);
        }
        if (!h) {
            if (manual && !unsure && best != INT_MAX && best != preferredRank()) {
                hold(firstUsableOf(best), "holder-set",
                     "answers left the preferred member; they stay here until `pharosctl "
                     "failback " +
                         pool.name + "`");
                keepOthersOff(best);
            }
            return;
        }
        int held = rank(size_t(at));
        if (firstUsableOf(held) < members.size()) {
            keepOthersOff(held);
            return;
        }
        if (best == INT_MAX || unsure) {
            return;  // nothing usable (fallback answers) or not known yet: the record waits
        }
        if (manual && best != preferredRank()) {
            hold(firstUsableOf(best), "holder-moved",
                 "the holder " + h->member + " is down; answers moved on");
            keepOthersOff(best);
        } else {
            std::string was = h->member;
            records.clearHolder(pool.name);
            events.push_back({"holder-cleared", was,
                              "the holder is down; answers follow the "
                              "normal rules again"});
        }
    }

    // Usable members ranked before the holder's rank stay out of the answers; not one an
    // operator forced up, whose override outranks the policy.
    void keepOthersOff(int held) {
        for (size_t i = 0; i < members.size(); ++i) {
            if (eligible(i) && usable(i) && rank(i) < held &&
                members[i].admin != AdminOverride::ForcedUp) {
                holds[i] = PolicyHold::HeldOff;
            }
        }
    }
};

}  // namespace

bool hasPolicy(const conf::Pool& pool, bool has_windows) {
    return has_windows || pool.failover_after.count() > 0 ||
           pool.failback == conf::FailbackMode::Manual ||
           pool.failover == conf::FailoverMode::Manual;
}

std::vector<PolicyEvent> decideHolds(const conf::Pool& pool, std::span<const MemberView> members,
                                     admin::PolicyRecords& records, int64_t now_ms,
                                     std::span<PolicyHold> holds, bool restore) {
    Decision d{pool, members, records, now_ms, holds, restore, std::vector<Base>(members.size()),
               {},   {}};
    for (const auto& m : pool.members) {
        d.addresses.push_back(conf::memberTarget(m));
    }
    d.decideBase();
    d.decideApprovals();
    // A holder is a fogroup notion; `failover: manual` may set one (directed) on any fogroup.
    if (pool.lb_method == conf::LbMethod::FoGroup) {
        d.decideSticky();
    } else if (const admin::Holder* h = records.holder(pool.name)) {
        d.events.push_back({"holder-cleared", h->member, "the pool is no longer fogroup"});
        records.clearHolder(pool.name);
    }
    return std::move(d.events);
}

bool inMaintenance(const conf::Config& config, const conf::Pool& pool, const conf::Member& member,
                   int64_t now_ms) {
    return std::any_of(config.maintenance.begin(), config.maintenance.end(), [&](auto& w) {
        return w.pool == pool.name && conf::windowCovers(w, member) && w.start_ms <= now_ms &&
               now_ms < w.end_ms;
    });
}

int64_t windowEnd(const conf::Config& config, const conf::Pool& pool, const conf::Member& member,
                  int64_t now_ms) {
    int64_t end = now_ms;
    for (bool extended = true; extended;) {
        extended = false;
        for (const auto& w : config.maintenance) {
            if (w.pool == pool.name && conf::windowCovers(w, member) && w.start_ms <= end &&
                w.end_ms > end) {
                end = w.end_ms;
                extended = true;
            }
        }
    }
    return end;
}

}  // namespace pharos::policy
