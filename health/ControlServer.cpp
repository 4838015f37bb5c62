#include "health/ControlServer.hpp"

#include <unistd.h>

#include "base/Log.hpp"
#include "sys/UnixSocketFile.hpp"

namespace pharos::health {

namespace asio = boost::asio;
using nlohmann::json;

// One connection: read a line (bounded in size and time), answer it, close.
struct ControlServer::Session : std::enable_shared_from_this<Session> {
    Session(asio::local::stream_protocol::socket s, ControlServer& server)
        : socket(std::move(s)), timer(socket.get_executor()), server(server) {}

    void start() {
        timer.expires_after(std::chrono::seconds(5));
        timer.async_wait([self = shared_from_this()](const boost::system::error_code& e) {
            if (!e) {
                boost::system::error_code ignored;
                self->socket.close(ignored);  // a client that never finishes its line
            }
        });
        asio::async_read_until(socket, asio::dynamic_buffer(request, kMaxRequestBytes), '\n',
                               [self = shared_from_this()](const boost::system::error_code& e,
                                                           size_t n) { self->onRequest(e, n); });
    }

    void onRequest(const boost::system::error_code& error, size_t length) {
        timer.cancel();
        if (error && error != asio::error::not_found) {
            return;
        }
        reply = answer(error ? std::string_view() : std::string_view(request).substr(0, length))
                    .dump() +
                "\n";
        asio::async_write(socket, asio::buffer(reply),
                          [self = shared_from_this()](const boost::system::error_code&, size_t) {
                              boost::system::error_code ignored;
                              self->socket.close(ignored);
                          });
    }

    json answer(std::string_view line) {
        if (line.empty()) {
            return {{"ok", false}, {"error", "request too long or empty"}};
        }
        auto peer = sys::peerCredentials(socket.native_handle());
        if (!peer) {
            return {{"ok", false}, {"error", "cannot tell who is asking"}};
        }
        if (!sys::mayChangeState(*peer, server.group_)) {
            PHAROS_LOG(Warning, "control: refused user " << peer->user << " (pid " << peer->pid
                                                         << "): not root nor in group "
                                                         << server.group_);
            return {{"ok", false},
                    {"error", "user " + peer->user +
                                  " may not change pharos's state: only root "
                                  "and members of group " +
                                  server.group_ + " may"}};
        }
        json message = json::parse(line, nullptr, false);
        if (message.is_discarded() || !message.is_object() || !message.contains("command") ||
            !message["command"].is_string()) {
            return {{"ok", false}, {"error", "not a JSON object with a \"command\""}};
        }
        return server.handler_(message, *peer);
    }

    asio::local::stream_protocol::socket socket;
    asio::steady_timer timer;
    ControlServer& server;
    std::string request;
    std::string reply;
};

ControlServer::ControlServer(asio::io_context& io, std::string path, std::string group,
                             Handler handler)
    : acceptor_(io),
      path_(std::move(path)),
      group_(std::move(group)),
      handler_(std::move(handler)) {
    sys::bindUnixSocket(acceptor_, path_, group_);
    accept();
}

ControlServer::~ControlServer() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    ::unlink(path_.c_str());
}

void ControlServer::accept() {
    acceptor_.async_accept(
        [this](const boost::system::error_code& error, asio::local::stream_protocol::socket s) {
            if (error == asio::error::operation_aborted) {
                return;
            }
            if (!error) {
                std::make_shared<Session>(std::move(s), *this)->start();
            }
            accept();
        });
}

}  // namespace pharos::health
