#pragma once
// The one table-trust gate: members' verdicts from the shared-memory table when the table is
// there, ready, fresh and built for this configuration (or stale under `on_stale:
// last-known`); otherwise every member counts as up, so DNS keeps answering whatever happened
// to the prober. The backend, pharosctl, the status document, /metrics and the prober's answer
// watch all read through it, each deciding through lb::Chain.
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "conf/Config.hpp"
#include "lb/VerdictSource.hpp"
#include "state/HealthTableReader.hpp"
#include "state/HealthTableWriter.hpp"
#include "state/HeartbeatWatch.hpp"

namespace pharos::state {

class TableVerdicts : public lb::VerdictSource {
  public:
    // Maps the table by name; refresh() re-maps it. Reads the clock and logs each change of the
    // table's status (pharos-backend, pharosctl explain).
    explicit TableVerdicts(const std::string& table_name);
    // A table the caller maps and refreshes, as of `now_ms` (a document's one moment: the
    // status document, /metrics). `heartbeat`: the caller's watch when it keeps looking (the
    // prober's pages), so a step of the wall clock does not show a live table stale. Logs
    // nothing.
    TableVerdicts(const HealthTableReader& table, int64_t now_ms,
                  HeartbeatWatch* heartbeat = nullptr);
    // The prober's own table, by the clock (its answer watch). Logs nothing.
    explicit TableVerdicts(const HealthTableWriter& table);

    bool fill(const conf::Config& config, const conf::Pool& pool,
              std::span<lb::Health> out) override;
    void refresh() override;

    // The table's status for `config` now, and whether its verdicts are used: the gate alone.
    TableStatus status(const conf::Config& config) const;
    bool trusted(const conf::Config& config) const;
    TableStatus lastStatus() const { return last_; }

  private:
    const TableHeader* header() const;
    void noteStatus(TableStatus status, bool trusted);

    std::optional<HealthTableReader> own_;       // mapped by name
    const HealthTableReader* reader_ = nullptr;  // own_ or the caller's
    const HealthTableWriter* writer_ = nullptr;  // the prober's own table
    std::optional<int64_t> now_ms_;              // fixed; none: the clock
    mutable HeartbeatWatch heartbeat_;           // for the reader that keeps watching (own_)
    HeartbeatWatch* watch_ = nullptr;            // the caller's, if it keeps watching
    bool log_ = false;
    TableStatus last_ = TableStatus::Ok;
    bool logged_once_ = false;
};

}  // namespace pharos::state
