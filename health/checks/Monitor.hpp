#pragma once
// A probe kind: starts one check against one target and reports pass or fail once. Monitors
// know nothing of thresholds or schedules (HealthState and MemberProbe own those).
#include <boost/asio.hpp>
#include <chrono>
#include <cstdint>
#include <functional>

#include "conf/Config.hpp"
#include "state/HealthTableLayout.hpp"

namespace pharos::health {

struct ProbeResult {
    bool pass = false;
    state::FailureReason reason = state::FailureReason::None;
    uint32_t latency_us = 0;
    uint16_t detail = 0;  // see state::Slot::detail
};

struct ProbeTarget {
    boost::asio::ip::address address;
    uint16_t port = 0;
    std::string host;  // Host header: `hostname`, a cname member's name, else the address
    std::string sni;   // TLS server name (and name verified): `hostname` or the cname; may be empty
};

using ProbeDone = std::function<void(const ProbeResult&)>;

class Monitor {
  public:
    virtual ~Monitor() = default;
    // Starts one check; `done` runs exactly once, on the io_context's thread, at the latest
    // `timeout` after the start.
    virtual void probe(const ProbeTarget& target, std::chrono::milliseconds timeout,
                       ProbeDone done) = 0;
};

}  // namespace pharos::health
