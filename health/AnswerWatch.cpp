#include "health/AnswerWatch.hpp"

namespace pharos::health {

AnswerWatch::AnswerWatch(const conf::Config& config, const state::HealthTableWriter& table)
    : config_(config), verdicts_(table), chain_(config, verdicts_), last_(config.pools.size()) {}

AnswerWatch::~AnswerWatch() = default;

bool AnswerWatch::watched(size_t p) const {
    return p < config_.pools.size() && config_.pools[p].lb_method == conf::LbMethod::FoGroup;
}

std::optional<AnswerWatch::Move> AnswerWatch::recheck(size_t p) {
    if (!verdicts_.trusted(config_)) {
        // The backend fails open until the table is ready: every member answers, and a move
        // from that to the verdicts' answer is not a failover.
        baselined_ = false;
        return std::nullopt;
    }
    if (!baselined_) {
        // The table just became trusted: every pool's answer now is where moves count from,
        // including pools none of whose members changed since.
        baselined_ = true;
        for (size_t q = 0; q < config_.pools.size(); ++q) {
            last_[q] = answer(q);
        }
        return std::nullopt;
    }
    if (!watched(p)) {
        return std::nullopt;
    }
    std::optional<std::string> now = answer(p);
    if (!now) {
        return std::nullopt;  // the gate closed between the check above and the decision
    }
    std::optional<std::string> before = std::exchange(last_[p], now);
    if (!before || *before == *now) {
        return std::nullopt;
    }
    return Move{*before, *now};
}

std::optional<std::string> AnswerWatch::answer(size_t p) {
    if (!watched(p)) {
        return std::nullopt;
    }
    const conf::Pool& pool = config_.pools[p];
    // fogroup's choice needs no client and no draw but for fallback `any`, which this text
    // names as such rather than by the member drawn.
    lb::WeightedSampler sampler(1);
    std::string text;
    for (base::Family family : chain_.families(p)) {
        const lb::Decision& d = chain_.decide(p, family, lb::Client{}, sampler);
        if (!d.trusted) {
            return std::nullopt;
        }
        const auto& members = config_.pools[d.pool].members;
        std::string part = d.answer.fallback || d.answer.refused || d.answer.members.empty()
                               ? "nothing usable (fallback " + conf::fallbackText(pool) + ")"
                               : members[d.answer.members[0]].name + " " +
                                     conf::memberTarget(members[d.answer.members[0]]);
        text += (text.empty() ? "" : ", ") + part;
    }
    return text;
}

}  // namespace pharos::health
