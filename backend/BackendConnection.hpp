#pragma once
// One pdns connection: read until a newline, answer every complete request, write, repeat.
#include <array>
#include <boost/asio.hpp>
#include <memory>
#include <string>

#include "backend/BackendCounters.hpp"
#include "backend/RemoteBackendProtocol.hpp"

namespace pharos::backend {

class BackendConnection : public std::enable_shared_from_this<BackendConnection> {
  public:
    BackendConnection(boost::asio::local::stream_protocol::socket socket,
                      RemoteBackendProtocol& protocol, BackendCounters& counters)
        : socket_(std::move(socket)), protocol_(protocol), counters_(counters) {}
    void start() { read(); }

  private:
    void read();
    void onRead(const boost::system::error_code& error, size_t bytes);
    size_t answerCompleteRequests();  // returns how many it answered
    void write();

    boost::asio::local::stream_protocol::socket socket_;
    RemoteBackendProtocol& protocol_;
    BackendCounters& counters_;
    std::array<char, 65536> chunk_;
    std::string pending_;  // bytes received that do not yet end in a newline
    std::string replies_;
};

}  // namespace pharos::backend
