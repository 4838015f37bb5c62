// fogroup: the first usable member in configuration order, one address (Polaris). With the
// pharos `priority` key, the usable members of the best priority are answered together by a
// weighted draw, max_addrs_returned of them: active/active inside a site, failover across
// sites. Neither depends on the client, so pdns may cache the answer.
#include <algorithm>

#include "lb/ClientAddress.hpp"
#include "lb/Fallback.hpp"
#include "lb/Methods.hpp"

namespace pharos::lb {
namespace {

class FailoverGroup final : public Balancer {
  public:
    explicit FailoverGroup(const conf::Pool& pool) : pool_(pool) {
        for (const auto& m : pool.members) {
            priorities_.push_back(m.priority);
        }
        std::sort(priorities_.begin(), priorities_.end());
        priorities_.erase(std::unique(priorities_.begin(), priorities_.end()), priorities_.end());
    }

    void decide(std::span<const Health> health, const Client& client, WeightedSampler& sampler,
                Answer& out, Trace* trace) const override {
        chooseClient(pool_, client, trace);
        traceUnusable(pool_, health, trace);
        if (pool_.uses_priority) {
            byPriority(health, sampler, out, trace);
        } else {
            firstUsable(health, out);
        }
        if (out.members.empty()) {
            answerFallback(pool_, health, sampler, out, trace);
        }
    }

  private:
    void firstUsable(std::span<const Health> health, Answer& out) const {
        for (uint32_t i = 0; i < pool_.members.size(); ++i) {
            if (usable(pool_.members[i], health[i])) {
                out.members.push_back(i);
                return;
            }
        }
    }

    void byPriority(std::span<const Health> health, WeightedSampler& sampler, Answer& out,
                    Trace* trace) const {
        for (int priority : priorities_) {
            auto allowed = [&](uint32_t i) {
                return pool_.members[i].priority == priority && usable(pool_.members[i], health[i]);
            };
            sampler.draw(pool_, size_t(pool_.max_addrs_returned), allowed, out.members);
            if (!out.members.empty()) {
                tracePriority(health, priority, trace);
                return;
            }
        }
    }

    void tracePriority(std::span<const Health> health, int priority, Trace* trace) const {
        if (!trace) {
            return;
        }
        for (uint32_t i = 0; i < pool_.members.size(); ++i) {
            if (usable(pool_.members[i], health[i]) && pool_.members[i].priority != priority) {
                trace->skipped.push_back(
                    {i, "priority " + std::to_string(pool_.members[i].priority) + " (priority " +
                            std::to_string(priority) + " is preferred)"});
            }
        }
    }

    const conf::Pool& pool_;
    std::vector<int> priorities_;  // distinct, best (lowest) first
};

}  // namespace

std::unique_ptr<Balancer> makeFailoverGroup(const conf::Pool& pool) {
    return std::make_unique<FailoverGroup>(pool);
}

}  // namespace pharos::lb
