#pragma once
// The operators' overrides of members' verdicts: drain, force up, force down, each with who set
// it, when, why and until when. pharos-health owns them (one writer, docs/ARCHITECTURE.md),
// publishes them in the health table and persists them in the admin-state file; pharosctl
// reads the file to show who/why/until.
#include <cstdint>
#include <string>
#include <vector>

#include "state/HealthTableLayout.hpp"

namespace pharos::admin {

struct Override {
    std::string pool;
    std::string member;   // the member's name, for people
    std::string address;  // with `pool`, what identifies the member (as the table's key does)
    state::AdminOverride action = state::AdminOverride::Drain;
    std::string reason;
    std::string by;        // the user who set it, from the control socket's peer credentials
    int64_t since_ms = 0;  // CLOCK_REALTIME
    int64_t until_ms = 0;  // 0: until cleared
    friend bool operator==(const Override&, const Override&) = default;
};

// The action a command word or an admin-state file names (state::toString spells each), or
// None.
state::AdminOverride actionFromName(const std::string& name);

class AdminOverrides {
  public:
    const std::vector<Override>& all() const { return overrides_; }
    const Override* find(const std::string& pool, const std::string& address) const;
    // Adds or replaces the override of o.pool/o.address.
    void set(Override o);
    // Removes the override of one member; returns whether there was one.
    bool clear(const std::string& pool, const std::string& address);
    // Removes and returns the overrides whose time ran out by `now_ms`.
    std::vector<Override> expire(int64_t now_ms);
    friend bool operator==(const AdminOverrides&, const AdminOverrides&) = default;

  private:
    std::vector<Override> overrides_;  // in the order they were set
};

}  // namespace pharos::admin
