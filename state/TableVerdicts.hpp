#pragma once
// The one table-trust gate: members' verdicts from the shared-memory table when the table is
// there, ready, fresh and built for this configuration (or stale under `on_stale:
// last-known`); otherwise every member counts as up, so DNS keeps answering whatever happened
// to the prober. The backend, pharosctl and the prober's own views all read through it.
#include <cstdint>
#include <span>
#include <string>

#include "conf/Config.hpp"
#include "lb/VerdictSource.hpp"
#include "state/HealthTableReader.hpp"

namespace pharos::state {

class TableVerdicts : public lb::VerdictSource {
  public:
    explicit TableVerdicts(const std::string& table_name) : reader_(table_name) {}
    bool fill(const conf::Config& config, const conf::Pool& pool,
              std::span<lb::Health> out) override;
    void refresh() override { reader_.refresh(); }
    TableStatus lastStatus() const { return last_; }

  private:
    void noteStatus(TableStatus status, bool trusted);

    HealthTableReader reader_;
    TableStatus last_ = TableStatus::Ok;
    bool logged_once_ = false;
};

}  // namespace pharos::state
