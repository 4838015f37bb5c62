#pragma once
// Where a decision gets the members' verdicts: the shared-memory table in the programs
// (state::TableVerdicts, which applies the table-trust gate), a fixed list in tests.
#include <span>

#include "conf/Config.hpp"
#include "lb/Health.hpp"

namespace pharos::lb {

class VerdictSource {
  public:
    virtual ~VerdictSource() = default;
    // One verdict per member of `pool`. Returns false when it answered "all up" because no
    // trustworthy table was there (fail-open).
    virtual bool fill(const conf::Config& config, const conf::Pool& pool,
                      std::span<Health> out) = 0;
    // Called at start, after a reload and ten times a second (pharos-backend's timer), off
    // the lookup path.
    virtual void refresh() {}
};

}  // namespace pharos::lb
