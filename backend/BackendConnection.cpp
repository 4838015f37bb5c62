#include "backend/BackendConnection.hpp"

#include <bit>
#include <chrono>

#include "backend/UnixSocketServer.hpp"
#include "conf/Log.hpp"

namespace pharos::backend {

void BackendConnection::read() {
    socket_.async_read_some(boost::asio::buffer(chunk_),
                            [self = shared_from_this()](const boost::system::error_code& e,
                                                        size_t n) { self->onRead(e, n); });
}

void BackendConnection::onRead(const boost::system::error_code& error, size_t bytes) {
    if (error) {
        return;  // closed (or half-closed) by pdns: an incomplete request dies with it
    }
    pending_.append(chunk_.data(), bytes);
    answerCompleteRequests();
    if (pending_.size() > kMaxRequestBytes) {
        ++counters_.oversized;
        PHAROS_LOG(Warning, "closing a connection that sent " << pending_.size()
                                                              << " bytes without a newline");
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

void BackendConnection::answerCompleteRequests() {
    size_t start = 0;
    for (size_t nl; (nl = pending_.find('\n', start)) != std::string::npos; start = nl + 1) {
        std::string_view request(pending_.data() + start, nl - start);
        if (request.find_first_not_of(" \r\t") == std::string_view::npos) {
            continue;
        }
        auto begin = std::chrono::steady_clock::now();
        protocol_.handle(request, replies_);
        replies_ += '\n';
        auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now() - begin)
                      .count();
        size_t bucket = std::min<size_t>(std::bit_width(uint64_t(ns)), 39);
        ++counters_.service_ns_log2[bucket];
    }
    pending_.erase(0, start);
}

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
