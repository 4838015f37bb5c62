#pragma once
// dns (pharos): asks the member a question over UDP; passes when the rcode is expected and,
// when expected_answer is set, an answer record contains it. For resolvers and name servers.
#include <memory>

#include "health/checks/Monitor.hpp"

namespace pharos::health {

class DnsMonitor final : public Monitor {
  public:
    DnsMonitor(boost::asio::io_context& io, const conf::DnsParams& params)
        : io_(io), params_(std::make_shared<const conf::DnsParams>(params)) {}
    void probe(const ProbeTarget& target, std::chrono::milliseconds timeout,
               ProbeDone done) override;

  private:
    boost::asio::io_context& io_;
    std::shared_ptr<const conf::DnsParams> params_;
    uint16_t next_id_ = 1;
};

}  // namespace pharos::health
