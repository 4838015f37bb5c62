#pragma once
// One pdns connection: read until a newline, answer every complete request, write, repeat.
#include <array>
#include <boost/asio.hpp>
#include <memory>
#include <string>

#include "backend/RemoteBackendProtocol.hpp"
#include "backend/RequestFramer.hpp"
#include "state/BackendCounters.hpp"

namespace pharos::backend {

class BackendConnection : public std::enable_shared_from_this<BackendConnection> {
  public:
    BackendConnection(boost::asio::local::stream_protocol::socket socket,
                      RemoteBackendProtocol& protocol)
        : socket_(std::move(socket)), protocol_(protocol) {}
    void start() { read(); }

  private:
    void read();
    void onRead(const boost::system::error_code& error, size_t bytes);
    bool repeatsPrevious(std::string_view request);
    void write();
    // The counters in force now: a reload replaces the block they live in.
    state::BackendCounters& counters() { return protocol_.resolver().counters(); }

    boost::asio::local::stream_protocol::socket socket_;
    RemoteBackendProtocol& protocol_;
    // The previous request, to tell the second of the identical lookup pair pdns sends per DNS
    // query from a new query (GslbResolver::lookup counts queries, not lookups).
    uint64_t previous_hash_ = 0;
    int64_t previous_ms_ = 0;
    bool previous_was_repeat_ = false;
    // Small: pdns's requests are a few hundred bytes (longer ones take several reads), and
    // thousands of idle connections must not cost 64 KiB each.
    std::array<char, 4096> chunk_;
    RequestFramer framer_;
    std::string replies_;
};

}  // namespace pharos::backend
