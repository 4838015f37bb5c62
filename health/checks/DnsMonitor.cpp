#include "health/checks/DnsMonitor.hpp"

#include <algorithm>

#include "health/checks/DnsMessage.hpp"
#include "health/checks/ProbeSession.hpp"

namespace pharos::health {
namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using boost::system::error_code;

class DnsProbe : public SocketProbe<DnsProbe, udp::socket> {
  public:
    DnsProbe(asio::io_context& io, std::shared_ptr<const conf::DnsParams> params, uint16_t id,
             ProbeDone done)
        : SocketProbe(io, std::move(done)), params_(std::move(params)), id_(id) {}

    void start(const ProbeTarget& target, std::chrono::milliseconds timeout) {
        armDeadline(timeout);
        auto self = shared_from_this();
        error_code e;
        udp::endpoint peer(target.address, target.port);
        socket_.open(peer.protocol(), e);
        if (!e) {
            socket_.connect(peer, e);  // only the member's replies are delivered
        }
        if (e) {
            return finish(false, state::FailureReason::ConnectError);
        }
        query_ = buildDnsQuery(id_, params_->query_name, params_->query_type);
        socket_.async_send(asio::buffer(query_), [self](const error_code& e, size_t) {
            if (self->deadline_.finished()) {
                return;
            }
            e ? self->finish(false, state::FailureReason::SendError) : self->receive();
        });
    }

  private:
    void receive() {
        auto self = shared_from_this();
        socket_.async_receive(asio::buffer(reply_),
                              [self](const error_code& e, size_t n) { self->onReply(e, n); });
    }

    void onReply(const error_code& e, size_t n) {
        if (deadline_.finished()) {
            return;
        }
        if (e) {
            return finish(false, e == asio::error::connection_refused
                                     ? state::FailureReason::ConnectRefused
                                     : state::FailureReason::ClosedEarly);
        }
        auto reply = parseDnsReply(std::span<const uint8_t>(reply_.data(), n));
        if (!reply) {
            return finish(false, state::FailureReason::Malformed);
        }
        if (reply->id != id_) {
            return receive();  // a late answer to an earlier query
        }
        const auto& rcodes = params_->expected_rcodes;
        if (std::find(rcodes.begin(), rcodes.end(), reply->rcode) == rcodes.end()) {
            return finish(false, state::FailureReason::DnsRcode);
        }
        const std::string& want = params_->expected_answer;
        bool found = want.empty() || std::any_of(reply->answers.begin(), reply->answers.end(),
                                                 [&](const std::string& a) {
                                                     return a.find(want) != std::string::npos;
                                                 });
        finish(found, state::FailureReason::DnsAnswer);
    }

    std::shared_ptr<const conf::DnsParams> params_;
    uint16_t id_;
    std::vector<uint8_t> query_;
    std::array<uint8_t, 4096> reply_;
};

}  // namespace

void DnsMonitor::probe(const ProbeTarget& target, std::chrono::milliseconds timeout,
                       ProbeDone done) {
    std::make_shared<DnsProbe>(io_, params_, next_id_++, std::move(done))->start(target, timeout);
}

}  // namespace pharos::health
