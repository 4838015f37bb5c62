#include "backend/BackendConnection.hpp"

#include <time.h>

#include <chrono>

#include "backend/UnixSocketServer.hpp"
#include "base/Fnv1a.hpp"
#include "base/Log.hpp"

namespace pharos::backend {

void BackendConnection::read() {
    socket_.async_read_some(boost::asio::buffer(chunk_),
                            [self = shared_from_this()](const boost::system::error_code& e,
                                                        size_t n) { self->onRead(e, n); });
}

void BackendConnection::onRead(const boost::system::error_code& error, size_t bytes) {
    if (error) {
        // Closed or half-closed by the peer: no reply can be owed, and an incomplete request
        // dies with the connection.
        counters().closed_mid_request += framer_.partial();
        ++counters().connections_closed;
        return;
    }
    auto arrived = std::chrono::steady_clock::now();
    framer_.append(chunk_.data(), bytes);
    size_t answered = framer_.takeRequests([this](std::string_view request) {
        protocol_.handle(request, replies_, repeatsPrevious(request));
        replies_ += '\n';
    });
    if (answered > 0) {
        auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now() - arrived)
                      .count();
        for (size_t i = 0; i < answered; ++i) {
            counters().recordServiceNs(uint64_t(ns) / answered);
        }
    }
    if (framer_.overflowing()) {
        ++counters().oversized;
        ++counters().connections_closed;
        static bool logged = false;  // a flood must not flood the log too
        if (!logged) {
            PHAROS_LOG(Warning, "closing a connection that sent "
                                    << framer_.pendingBytes()
                                    << " bytes without a newline (logged once, counted in "
                                       "/metrics)");
            logged = true;
        }
        replies_ += R"({"result":false,"log":["pharos: request too large"]})";
        replies_ += '\n';
        auto self = shared_from_this();
        boost::asio::async_write(socket_, boost::asio::buffer(replies_),
                                 [self](const boost::system::error_code&, size_t) {
                                     boost::system::error_code ignored;
                                     self->socket_.close(ignored);
                                 });
        return;
    }
    if (replies_.empty()) {
        read();
    } else {
        write();
    }
}

// pdns 4.7 sends each lookup of a remote-only name twice in a row on one connection, the
// referral check then the answer, microseconds apart; its query cache may absorb the second.
// A request is a repeat when it is byte for byte the one before, which was not itself a
// repeat, within 50 ms. Coarse clock: no system call.
bool BackendConnection::repeatsPrevious(std::string_view request) {
    base::Fnv1a fnv;
    fnv.add(request);
    uint64_t hash = fnv.value;
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    int64_t now_ms = int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
    bool repeat = hash == previous_hash_ && !previous_was_repeat_ && now_ms - previous_ms_ <= 50;
    previous_hash_ = hash;
    previous_ms_ = now_ms;
    previous_was_repeat_ = repeat;
    return repeat;
}

// The reply goes out through the event loop even though the kernel would take it at once:
// by the time the write completes, pdns has usually sent its next request, so the read that
// follows finds data instead of costing an EAGAIN and an epoll round (measured: writing
// inline from the read handler cut throughput by a third or more).
void BackendConnection::write() {
    boost::asio::async_write(
        socket_, boost::asio::buffer(replies_),
        [self = shared_from_this()](const boost::system::error_code& e, size_t) {
            if (e) {
                return;
            }
            self->replies_.clear();
            self->read();
        });
}

}  // namespace pharos::backend
