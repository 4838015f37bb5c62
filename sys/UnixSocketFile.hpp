#pragma once
// Binding a unix stream socket at a path the way both pharos servers need it: a stale file
// left by a dead process is replaced, a live listener is never taken over, and the socket is
// created 0660 and given to a group, so only that group (and root) can connect. A missing
// directory is made first (sys/RuntimeDirectory), as systemd makes /run/pharos.
#include <boost/asio/local/stream_protocol.hpp>
#include <string>

namespace pharos::sys {

// Opens, binds and listens `acceptor` at `path`. Throws std::runtime_error with the reason.
void bindUnixSocket(boost::asio::local::stream_protocol::acceptor& acceptor,
                    const std::string& path, const std::string& group);

}  // namespace pharos::sys
