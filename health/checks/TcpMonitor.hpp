#pragma once
// tcp: connect; optionally send `send_string`; optionally read until the reply matches
// `match_re` (case-insensitive). A close or the deadline before the match fails the check.
#include <memory>
#include <regex>

#include "health/checks/Monitor.hpp"

namespace pharos::health {

// Replies are matched within this many bytes; more is a failure, not more memory.
constexpr size_t kMaxTcpReply = 4096;

class TcpMonitor final : public Monitor {
  public:
    TcpMonitor(boost::asio::io_context& io, const conf::TcpParams& params);
    void probe(const ProbeTarget& target, std::chrono::milliseconds timeout,
               ProbeDone done) override;

    struct Expectation {
        std::string send;
        std::optional<std::regex> match;
    };

  private:
    boost::asio::io_context& io_;
    std::shared_ptr<const Expectation> expect_;
};

}  // namespace pharos::health
