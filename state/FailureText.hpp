#pragma once
// Why a member's last check failed, in words that name the check: which expected_json path,
// which pattern, which dependency. The table holds only the reason and a small index
// (Slot::detail); the configuration the table was built for turns them into text.
#include <string>

#include "conf/Config.hpp"
#include "state/HealthTableLayout.hpp"

namespace pharos::state {

std::string failureText(const conf::Config& config, const conf::Pool& pool,
                        const conf::Member& member, FailureReason reason, uint16_t detail);

}  // namespace pharos::state
