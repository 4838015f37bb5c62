#pragma once
// tcp: connect; optionally send `send_string`; optionally read until the reply matches
// `match_re` (case-insensitive). A close or the deadline before the match fails the check.
#include <memory>
#include <optional>

#include "conf/ReplyPattern.hpp"
#include "health/checks/Monitor.hpp"

namespace pharos::health {

class TcpMonitor final : public Monitor {
  public:
    TcpMonitor(boost::asio::io_context& io, const conf::TcpParams& params);
    void probe(const ProbeTarget& target, std::chrono::milliseconds timeout,
               ProbeDone done) override;

    struct Expectation {
        std::string send;
        std::optional<conf::ReplyPattern> match;
    };

  private:
    boost::asio::io_context& io_;
    std::shared_ptr<const Expectation> expect_;
};

}  // namespace pharos::health
