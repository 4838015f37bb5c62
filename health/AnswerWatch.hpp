#pragma once
// Which member each fogroup pool answers, so operators are told when the answers move (the
// failover itself), not only that some member changed state. Decided by the backend's own
// lb::Chain over the prober's table through the table-trust gate (state::TableVerdicts), so
// what is told is what is answered. Only fogroup pools: they answer one member, and a move from
// one to another is a decision; wrr and chash pools spread over their usable members, which
// member-state events tell.
#include <optional>
#include <string>
#include <vector>

#include "conf/Config.hpp"
#include "lb/Chain.hpp"
#include "state/HealthTableWriter.hpp"
#include "state/TableVerdicts.hpp"

namespace pharos::health {

class AnswerWatch {
  public:
    // `config` and `table` must outlive the watch (the ProbeRun's).
    AnswerWatch(const conf::Config& config, const state::HealthTableWriter& table);
    ~AnswerWatch();

    struct Move {
        std::string from;  // "name address" per family answered, or "nothing usable"
        std::string to;
    };
    // Decides pool `p` again; the move when its answer differs from the last one seen. The
    // first call once the gate trusts the table records every pool's answer and reports
    // nothing; while it does not (the backend fails open), nothing is reported.
    std::optional<Move> recheck(size_t p);
    // What pool `p` answers now, as the move texts name it; nothing for a pool not watched or
    // while the table is not trusted.
    std::optional<std::string> answer(size_t p);

  private:
    bool watched(size_t p) const;

    const conf::Config& config_;
    state::TableVerdicts verdicts_;
    lb::Chain chain_;
    std::vector<std::optional<std::string>> last_;
    bool baselined_ = false;
};

}  // namespace pharos::health
