#pragma once
// Where the backend gets member verdicts: the shared-memory table in production, a fixed list
// in tests. The missing/stale-table policy lives here, next to the table it is about.
#include <cstdint>
#include <span>
#include <string>

#include "conf/Config.hpp"
#include "health/HealthTableReader.hpp"
#include "lb/Health.hpp"

namespace pharos::backend {

class HealthSource {
  public:
    virtual ~HealthSource() = default;
    // One verdict per member of `pool`. Returns false when it answered "all up" because no
    // trustworthy table was there (fail-open).
    virtual bool fill(const conf::Config& config, const conf::Pool& pool,
                      std::span<lb::Health> out) = 0;
    // Called about once a second, off the lookup path.
    virtual void refresh() {}
};

class TableHealthSource : public HealthSource {
  public:
    explicit TableHealthSource(const std::string& table_name) : reader_(table_name) {}
    bool fill(const conf::Config& config, const conf::Pool& pool,
              std::span<lb::Health> out) override;
    void refresh() override { reader_.refresh(); }
    health::TableStatus lastStatus() const { return last_; }

  private:
    void noteStatus(health::TableStatus status, bool trusted);

    health::HealthTableReader reader_;
    health::TableStatus last_ = health::TableStatus::Ok;
    bool logged_once_ = false;
};

}  // namespace pharos::backend
