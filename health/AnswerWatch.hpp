#pragma once
// Which member each fogroup pool answers, so operators are told when the answers move (the
// failover itself), not only that some member changed state. Decided by the backend's own
// PoolBalancer from the verdicts the prober publishes, so what is told is what is answered.
// Only fogroup pools: they answer one member, and a move from one to another is a decision;
// wrr and chash pools spread over their usable members, which member-state events tell.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "conf/Config.hpp"
#include "lb/PoolBalancer.hpp"
#include "lb/TopologyIndex.hpp"
#include "state/HealthTableWriter.hpp"

namespace pharos::health {

class AnswerWatch {
  public:
    // `config` must outlive the watch (the ProbeRun's).
    explicit AnswerWatch(const conf::Config& config);
    ~AnswerWatch();

    struct Move {
        std::string from;  // "name address" per family answered, or "nothing usable"
        std::string to;
    };
    // Decides pool `p` again; the move when its answer differs from the last one seen. The
    // first call once the table is ready records every pool's answer and reports nothing.
    std::optional<Move> recheck(size_t p, const state::HealthTableWriter& table);

  private:
    std::string decide(size_t p, const state::HealthTableWriter& table);

    const conf::Config& config_;
    lb::TopologyIndex index_;
    std::vector<std::unique_ptr<lb::PoolBalancer>> balancers_;  // null but for fogroup pools
    std::vector<std::optional<std::string>> last_;
    bool baselined_ = false;
    std::vector<lb::Health> health_;
    lb::Answer answer_;
};

}  // namespace pharos::health
