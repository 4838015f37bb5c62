#include "health/checks/TcpMonitor.hpp"

#include "health/checks/ProbeSession.hpp"
#include "health/checks/TcpReply.hpp"

namespace pharos::health {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

class TcpProbe : public SocketProbe<TcpProbe, tcp::socket> {
  public:
    TcpProbe(asio::io_context& io, std::shared_ptr<const TcpMonitor::Expectation> expect,
             ProbeDone done)
        : SocketProbe(io, std::move(done)), expect_(std::move(expect)) {}

    void start(const ProbeTarget& target, std::chrono::milliseconds timeout) {
        auto self = shared_from_this();
        deadline_.arm(timeout, [self] { self->atDeadline(); });
        socket_.async_connect(tcp::endpoint(target.address, target.port),
                              [self](const error_code& e) { self->onConnect(e); });
    }

  private:
    void onConnect(const error_code& e) {
        if (deadline_.finished()) {
            return;
        }
        if (e) {
            return finish(false, connectFailure(e));
        }
        if (expect_->send.empty()) {
            return afterSend();
        }
        auto self = shared_from_this();
        asio::async_write(
            socket_, asio::buffer(expect_->send), [self](const error_code& e, size_t) {
                if (!self->deadline_.finished()) {
                    e ? self->finish(false, state::FailureReason::SendError) : self->afterSend();
                }
            });
    }

    void afterSend() {
        if (!expect_->match) {
            return finish(true, state::FailureReason::None);
        }
        reply_.emplace(*expect_->match);
        readMore();
    }

    void readMore() {
        auto self = shared_from_this();
        socket_.async_read_some(asio::buffer(chunk_),
                                [self](const error_code& e, size_t n) { self->onRead(e, n); });
    }

    void onRead(const error_code& e, size_t n) {
        if (deadline_.finished()) {
            return;
        }
        if (e) {
            return conclude(reply_->finish(), state::FailureReason::ClosedEarly);
        }
        TcpReply::Verdict verdict = reply_->add({chunk_.data(), n});
        if (verdict == TcpReply::Verdict::NeedMore) {
            return readMore();
        }
        conclude(verdict, state::FailureReason::NoMatch);
    }

    // The reply may hold bytes its budget left unsearched: a member that dribbled its banner
    // and now waits for a command is up if they match.
    void atDeadline() {
        if (reply_) {
            return conclude(reply_->finish(), state::FailureReason::Timeout);
        }
        close();
    }

    // `unmatched` is the failure when the reply simply holds no match: it says why it ended.
    void conclude(TcpReply::Verdict verdict, state::FailureReason unmatched) {
        switch (verdict) {
            case TcpReply::Verdict::Matched:
                return finish(true, state::FailureReason::None);
            case TcpReply::Verdict::TooCostly:
                return finish(false, state::FailureReason::NoMatch, 1);
            case TcpReply::Verdict::NoMatch:
            case TcpReply::Verdict::NeedMore:
                return finish(false, unmatched);
        }
    }

    std::shared_ptr<const TcpMonitor::Expectation> expect_;
    std::array<char, 1024> chunk_;
    std::optional<TcpReply> reply_;
};

}  // namespace

TcpMonitor::TcpMonitor(asio::io_context& io, const conf::TcpParams& params) : io_(io) {
    auto expect = std::make_shared<Expectation>();
    expect->send = params.send_string;
    if (!params.match_re.empty()) {
        expect->match.emplace(params.match_re, conf::ReplyPattern::Case::Ignored);
    }
    expect_ = std::move(expect);
}

void TcpMonitor::probe(const ProbeTarget& target, std::chrono::milliseconds timeout,
                       ProbeDone done) {
    std::make_shared<TcpProbe>(io_, expect_, std::move(done))->start(target, timeout);
}

}  // namespace pharos::health
