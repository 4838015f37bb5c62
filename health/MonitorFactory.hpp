#pragma once
// What a ProbeRun probes with: one monitor per distinct monitor settings (the loader has pools
// with equal settings share one copy of them, conf::CopyOnWrite; generated configurations
// repeat one check across thousands of pools, and a monitor, an https one with its TLS
// context, is not small), and where each member is probed.
#include <boost/asio.hpp>
#include <memory>
#include <vector>

#include "conf/Config.hpp"
#include "health/checks/Monitor.hpp"

namespace pharos::health {

struct Monitors {
    std::vector<std::unique_ptr<Monitor>> owned;  // one per distinct monitor
    std::vector<Monitor*> of_pool;                // per pool; null for forced
};

// Throws when a monitor cannot be made (an unreadable ca_file).
Monitors makeMonitors(boost::asio::io_context& io, const conf::Config& config);

// The address, port, Host and TLS name a member of `pool` is probed at.
ProbeTarget targetOf(const conf::Pool& pool, const conf::Member& member);

}  // namespace pharos::health
