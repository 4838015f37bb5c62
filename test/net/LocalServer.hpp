#pragma once
// A loopback HTTP or HTTPS server for the client tests, on its own thread: it accepts one
// connection at a time and hands it to the test's script, which reads the request and answers
// as it likes (late, in pieces, too much, or with a reset).
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "test/net/SelfSigned.hpp"

namespace pharos::test {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class LocalServer;

// One accepted connection, as the script sees it.
class Peer {
  public:
    // The request's head and its Content-Length body.
    std::string readRequest() {
        std::string data;
        size_t head_end;
        while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
            readSome(data);
        }
        size_t length = 0;
        auto at = data.find("Content-Length: ");
        if (at != std::string::npos && at < head_end) {
            length = std::stoul(data.substr(at + 16));
        }
        while (data.size() < head_end + 4 + length) {
            readSome(data);
        }
        recordRequest(data);
        return data;
    }
    void write(const std::string& bytes) {
        tls_ ? asio::write(*tls_, asio::buffer(bytes)) : asio::write(socket(), asio::buffer(bytes));
    }
    // A TCP reset instead of an orderly close.
    void reset() {
        socket().set_option(asio::socket_base::linger(true, 0));
        socket().close();
    }
    // Waits until `done` holds or the server stops; false when the server stopped first.
    bool waitFor(const std::function<bool()>& done,
                 std::chrono::milliseconds limit = std::chrono::seconds(10));
    void pause(std::chrono::milliseconds how_long) {
        auto until = std::chrono::steady_clock::now() + how_long;
        waitFor([&] { return std::chrono::steady_clock::now() >= until; });
    }
    std::string sni;  // the server name the client sent in its TLS hello; empty: none

  private:
    friend class LocalServer;
    Peer(LocalServer& server, tcp::socket s, asio::ssl::context* tls);
    tcp::socket& socket() { return tls_ ? tls_->next_layer() : plain_; }
    void recordRequest(const std::string& request);
    void readSome(std::string& data) {
        std::array<char, 16384> chunk;
        size_t n =
            tls_ ? tls_->read_some(asio::buffer(chunk)) : plain_.read_some(asio::buffer(chunk));
        data.append(chunk.data(), n);
    }
    LocalServer& server_;
    tcp::socket plain_;
    std::optional<asio::ssl::stream<tcp::socket>> tls_;
};

class LocalServer {
  public:
    using Script = std::function<void(Peer&)>;

    // `cert` set: HTTPS with that certificate.
    explicit LocalServer(Script script, const SelfSigned* cert = nullptr,
                         const std::string& address = "127.0.0.1")
        : script_(std::move(script)),
          acceptor_(io_, tcp::endpoint(asio::ip::make_address(address), 0)) {
        if (cert) {
            tls_.emplace(asio::ssl::context::tls_server);
            tls_->use_certificate_chain(asio::buffer(cert->cert_pem));
            tls_->use_private_key(asio::buffer(cert->key_pem), asio::ssl::context::pem);
        }
        thread_ = std::thread([this] { serve(); });
    }
    ~LocalServer() {
        stop_ = true;
        boost::system::error_code ignored;
        tcp::socket poke(io_);
        poke.connect(acceptor_.local_endpoint(), ignored);
        thread_.join();
    }
    uint16_t port() const { return acceptor_.local_endpoint().port(); }
    bool stopping() const { return stop_; }

    std::atomic<int> connections{0};
    std::atomic<int> handshakes{0};
    std::atomic<int> resumed{0};  // abbreviated TLS handshakes
    std::string lastSni() {
        std::lock_guard<std::mutex> lock(mutex_);
        return last_sni_;
    }
    std::string lastRequest() {
        std::lock_guard<std::mutex> lock(mutex_);
        return last_request_;
    }

  private:
    void serve() {
        while (!stop_) {
            tcp::socket socket(io_);
            boost::system::error_code e;
            acceptor_.accept(socket, e);
            if (e || stop_) {
                continue;
            }
            ++connections;
            try {
                Peer peer(*this, std::move(socket), tls_ ? &*tls_ : nullptr);
                script_(peer);
            } catch (const std::exception&) {
                // the client went away (refused the certificate, hit its limit, timed out)
            }
        }
    }

    friend class Peer;
    Script script_;
    asio::io_context io_;
    std::optional<asio::ssl::context> tls_;
    tcp::acceptor acceptor_;
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::string last_sni_;
    std::string last_request_;
    std::thread thread_;
};

inline Peer::Peer(LocalServer& server, tcp::socket s, asio::ssl::context* tls)
    : server_(server), plain_(std::move(s)) {
    if (!tls) {
        return;
    }
    tls_.emplace(std::move(plain_), *tls);
    tls_->handshake(asio::ssl::stream_base::server);
    const char* name = SSL_get_servername(tls_->native_handle(), TLSEXT_NAMETYPE_host_name);
    sni = name ? name : "";
    ++server_.handshakes;
    server_.resumed += SSL_session_reused(tls_->native_handle()) ? 1 : 0;
    std::lock_guard<std::mutex> lock(server_.mutex_);
    server_.last_sni_ = sni;
}

inline void Peer::recordRequest(const std::string& request) {
    std::lock_guard<std::mutex> lock(server_.mutex_);
    server_.last_request_ = request;
}

inline bool Peer::waitFor(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (server_.stopping() || std::chrono::steady_clock::now() >= end) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

inline std::string response(int status, const std::string& body = "",
                            const std::string& fields = "") {
    return "HTTP/1.1 " + std::to_string(status) + " X\r\n" + fields +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

inline std::string chunk(const std::string& data) {
    char size[20];
    snprintf(size, sizeof size, "%zx\r\n", data.size());
    return size + data + "\r\n";
}

}  // namespace pharos::test
