#pragma once
// Tiny loopback servers that misbehave on demand, each on its own thread, for the monitor tests.
#include <atomic>
#include <boost/asio.hpp>
#include <memory>
#include <string>
#include <thread>

namespace pharos::test {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// A loopback TCP port nothing listens on: one the kernel just handed out and took back.
inline uint16_t closedPort() {
    asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    return a.local_endpoint().port();  // closed when `a` goes
}

enum class Behaviour { Respond, Hang, CloseAtOnce, Garbage };

// Accepts connections on 127.0.0.1:<ephemeral>; for each, reads the request head, then acts as
// told: writes `response`, hangs (never answers), closes, or sends garbage.
class TestServer {
  public:
    TestServer() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        accept();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~TestServer() {
        io_.stop();
        thread_.join();
    }
    uint16_t port() const { return acceptor_.local_endpoint().port(); }
    std::atomic<Behaviour> behaviour{Behaviour::Respond};
    void respond(std::string text) {
        std::lock_guard<std::mutex> lock(mutex_);
        response_ = std::move(text);
    }
    // Waits for "\r\n\r\n" (HTTP) or any bytes (readAny) before acting.
    std::atomic<bool> waitForBlankLine{true};
    std::atomic<bool> actBeforeReading{false};  // e.g. a banner on connect
    std::atomic<int> connections{0};
    std::string lastRequest() {
        std::lock_guard<std::mutex> lock(mutex_);
        return last_request_;
    }

  private:
    struct Conn : std::enable_shared_from_this<Conn> {
        Conn(tcp::socket s, TestServer& server) : socket(std::move(s)), server(server) {}
        tcp::socket socket;
        TestServer& server;
        std::string data;
        std::array<char, 4096> chunk;
        void start() {
            if (server.actBeforeReading) {
                act();
            }
            read();
        }
        void read() {
            auto self = shared_from_this();
            socket.async_read_some(
                asio::buffer(chunk), [self](boost::system::error_code e, size_t n) {
                    if (e) {
                        return;
                    }
                    self->data.append(self->chunk.data(), n);
                    bool complete = !self->server.waitForBlankLine ||
                                    self->data.find("\r\n\r\n") != std::string::npos;
                    if (complete && !self->server.actBeforeReading) {
                        {
                            std::lock_guard<std::mutex> lock(self->server.mutex_);
                            self->server.last_request_ = self->data;
                        }
                        self->act();
                    }
                    self->read();
                });
        }
        void act() {
            auto self = shared_from_this();
            switch (server.behaviour.load()) {
                case Behaviour::Hang:
                    return;
                case Behaviour::CloseAtOnce:
                    socket.close();
                    return;
                case Behaviour::Garbage:
                    out = "\x01\x02 this is not HTTP\r\n\r\n";
                    break;
                case Behaviour::Respond: {
                    std::lock_guard<std::mutex> lock(server.mutex_);
                    out = server.response_;
                    break;
                }
            }
            asio::async_write(socket, asio::buffer(out), [self](boost::system::error_code, size_t) {
                if (self->server.closeAfterWrite) {
                    self->socket.close();
                }
            });
        }
        std::string out;
    };

  public:
    std::atomic<bool> closeAfterWrite{true};

  private:
    void accept() {
        acceptor_.async_accept([this](boost::system::error_code e, tcp::socket s) {
            if (!e) {
                ++connections;
                std::make_shared<Conn>(std::move(s), *this)->start();
            }
            accept();
        });
    }

    asio::io_context io_;
    tcp::acceptor acceptor_;
    std::thread thread_;
    std::mutex mutex_;
    std::string response_ = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK";
    std::string last_request_;
};

inline std::string httpResponse(int status, const std::string& body = "") {
    return "HTTP/1.1 " + std::to_string(status) +
           " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace pharos::test
