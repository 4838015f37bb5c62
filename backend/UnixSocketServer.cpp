#include "backend/UnixSocketServer.hpp"

#include <unistd.h>

#include "backend/BackendConnection.hpp"
#include "base/Log.hpp"
#include "sys/UnixSocketFile.hpp"

namespace pharos::backend {

UnixSocketServer::UnixSocketServer(boost::asio::io_context& io, std::string path,
                                   const std::string& group, RemoteBackendProtocol& protocol)
    : acceptor_(io), path_(std::move(path)), protocol_(protocol) {
    sys::bindUnixSocket(acceptor_, path_, group);
    accept();
}

UnixSocketServer::UnixSocketServer(boost::asio::io_context& io, int listening_fd,
                                   RemoteBackendProtocol& protocol)
    : acceptor_(io), protocol_(protocol) {
    acceptor_.assign(boost::asio::local::stream_protocol(), listening_fd);
    accept();
}

UnixSocketServer::~UnixSocketServer() {
    stop();
}

void UnixSocketServer::stop() {
    if (acceptor_.is_open()) {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        if (!path_.empty()) {
            unlink(path_.c_str());
        }
    }
}

void UnixSocketServer::accept() {
    acceptor_.async_accept([this](const boost::system::error_code& error,
                                  boost::asio::local::stream_protocol::socket socket) {
        if (error == boost::asio::error::operation_aborted) {
            return;
        }
        if (!error) {
            auto& counters = protocol_.resolver().counters();
            if (counters.connections - counters.connections_closed >= limit_) {
                ++counters.refused_connections;
                if (!limit_logged_) {
                    PHAROS_LOG(Warning, "over " << limit_
                                                << " open connections (backend.max_connections): "
                                                   "closing new ones; logged once, counted in "
                                                   "/metrics");
                    limit_logged_ = true;
                }
            } else {
                ++counters.connections;
                std::make_shared<BackendConnection>(std::move(socket), protocol_)->start();
            }
        }
        accept();
    });
}

}  // namespace pharos::backend
