#include "health/AnswerWatch.hpp"

#include "state/HealthTableReader.hpp"

namespace pharos::health {

AnswerWatch::AnswerWatch(const conf::Config& config)
    : config_(config), index_(config.topology), last_(config.pools.size()) {
    for (const auto& pool : config.pools) {
        balancers_.push_back(pool.lb_method == conf::LbMethod::FoGroup
                                 ? std::make_unique<lb::PoolBalancer>(pool, config.topology, index_)
                                 : nullptr);
    }
}

AnswerWatch::~AnswerWatch() = default;

std::optional<AnswerWatch::Move> AnswerWatch::recheck(size_t p,
                                                      const state::HealthTableWriter& table) {
    if (!table.ready()) {
        // Answers fail open until every member has a verdict: what this decides is not what
        // is answered.
        baselined_ = false;
        return std::nullopt;
    }
    if (!baselined_) {
        // The table just became ready: every pool's answer now is where moves count from,
        // including pools none of whose members changed since.
        baselined_ = true;
        for (size_t q = 0; q < balancers_.size(); ++q) {
            last_[q] = balancers_[q] ? std::optional(decide(q, table)) : std::nullopt;
        }
        return std::nullopt;
    }
    if (p >= balancers_.size() || !balancers_[p]) {
        return std::nullopt;
    }
    std::string now = decide(p, table);
    std::optional<std::string> before = std::exchange(last_[p], now);
    if (!before || *before == now) {
        return std::nullopt;
    }
    return Move{*before, now};
}

std::string AnswerWatch::decide(size_t p, const state::HealthTableWriter& table) {
    const conf::Pool& pool = config_.pools[p];
    health_.resize(pool.members.size());
    for (uint32_t i = 0; i < pool.members.size(); ++i) {
        state::SlotView v = table.read(pool.first_slot + i);
        health_[i] = state::verdictOf(state::packVerdict(v.state, v.admin, v.flapping, v.hold),
                                      pool.members[i].alert_only);
    }
    // fogroup's choice needs no client and no draw but for fallback `any`, which this text
    // names as such rather than by the member drawn.
    lb::WeightedSampler sampler(1);
    std::string text;
    for (base::Family family : {base::Family::V4, base::Family::V6}) {
        const lb::PoolBalancer& balancer = *balancers_[p];
        if (!balancer.serves(family) || (balancer.whole() && family == base::Family::V6)) {
            continue;
        }
        balancer.decide(family, health_, lb::Client{}, sampler, answer_);
        std::string part = answer_.fallback || answer_.fallback_pool >= 0 || answer_.refused ||
                                   answer_.members.empty()
                               ? "nothing usable (fallback " + conf::fallbackText(pool) + ")"
                               : pool.members[answer_.members[0]].name + " " +
                                     conf::memberTarget(pool.members[answer_.members[0]]);
        text += (text.empty() ? "" : ", ") + part;
    }
    return text;
}

}  // namespace pharos::health
