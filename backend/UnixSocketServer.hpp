#pragma once
// The transport: a unix stream socket that pdns's unix connector talks to, one JSON request
// per line and one reply per request. One Asio event loop serves every connection; a slow or
// broken connection only ever waits on its own socket.
#include <boost/asio.hpp>
#include <memory>
#include <string>

#include "backend/RemoteBackendProtocol.hpp"
#include "state/BackendCounters.hpp"

namespace pharos::backend {

class UnixSocketServer {
  public:
    // Binds `path` (mode 0660, group `group` when it exists). A stale socket file left by a
    // dead process is replaced; a socket someone still listens on is never taken over.
    UnixSocketServer(boost::asio::io_context& io, std::string path, const std::string& group,
                     RemoteBackendProtocol& protocol);
    // Serves a socket that is already bound and listening (socket activation). Its file
    // belongs to whoever made it, so stop() leaves it in place.
    UnixSocketServer(boost::asio::io_context& io, int listening_fd,
                     RemoteBackendProtocol& protocol);
    ~UnixSocketServer();
    void stop();
    // Past this many open connections a new one is accepted and closed at once (pdns's own,
    // one per distributor thread, are long open by then), logged once and counted.
    void setConnectionLimit(uint64_t limit) { limit_ = limit; }

  private:
    void accept();

    boost::asio::local::stream_protocol::acceptor acceptor_;
    std::string path_;  // empty when the socket was handed over
    RemoteBackendProtocol& protocol_;
    uint64_t limit_ = 4096;
    bool limit_logged_ = false;
};

}  // namespace pharos::backend
