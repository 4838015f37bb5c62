#pragma once
// What every probe session shares: a deadline for the whole check (connect + send + receive)
// and a finish() that reports exactly once and closes everything, whichever comes first.
#include <boost/asio.hpp>
#include <chrono>
#include <memory>

#include "health/checks/Monitor.hpp"

namespace pharos::health {

class ProbeDeadline {
  public:
    ProbeDeadline(boost::asio::io_context& io, ProbeDone done)
        : timer_(io), done_(std::move(done)), start_(std::chrono::steady_clock::now()) {}

    // Arms the deadline. `on_expiry` must make the session's pending operations end; it may
    // first finish the check on what it has (a tcp reply not yet searched in full), else the
    // check is a timeout.
    template <typename OnExpiry>
    void arm(std::chrono::milliseconds timeout, OnExpiry on_expiry) {
        timer_.expires_after(timeout);
        timer_.async_wait([this, on_expiry](const boost::system::error_code& e) {
            if (!e && !finished_) {
                on_expiry();
                finish(false, state::FailureReason::Timeout);
            }
        });
    }

    bool finished() const { return finished_; }

    void finish(bool pass, state::FailureReason reason, uint16_t detail = 0) {
        if (finished_) {
            return;
        }
        finished_ = true;
        timer_.cancel();
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - start_);
        ProbeDone done = std::move(done_);
        done(ProbeResult{pass, pass ? state::FailureReason::None : reason, uint32_t(us.count()),
                         pass ? uint16_t(0) : detail});
    }

  private:
    boost::asio::steady_timer timer_;
    ProbeDone done_;
    std::chrono::steady_clock::time_point start_;
    bool finished_ = false;
};

// A probe over one socket: the socket, its deadline, and the one way to end. Probes derive
// from it (CRTP keeps shared_from_this on the concrete type); the http monitor runs on
// net::HttpClient instead.
template <typename Derived, typename Socket>
class SocketProbe : public std::enable_shared_from_this<Derived> {
  protected:
    SocketProbe(boost::asio::io_context& io, ProbeDone done)
        : socket_(io), deadline_(io, std::move(done)) {}

    // Arms the deadline, which closes the socket so every pending operation ends.
    void armDeadline(std::chrono::milliseconds timeout) {
        auto self = this->shared_from_this();
        deadline_.arm(timeout, [self] { self->close(); });
    }
    void close() {
        boost::system::error_code ignored;
        socket_.close(ignored);
    }
    void finish(bool pass, state::FailureReason reason, uint16_t detail = 0) {
        deadline_.finish(pass, reason, detail);
        close();
    }
    bool finished() const { return deadline_.finished(); }

    Socket socket_;
    ProbeDeadline deadline_;
};

inline state::FailureReason connectFailure(const boost::system::error_code& e) {
    return e == boost::asio::error::connection_refused ? state::FailureReason::ConnectRefused
                                                       : state::FailureReason::ConnectError;
}

}  // namespace pharos::health
