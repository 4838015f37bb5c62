// https against a real TLS member: a self-signed certificate made in-process for
// "app.example", served by an Asio TLS server on 127.0.0.1.
#include <boost/asio/ssl.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "health/checks/HttpMonitor.hpp"
#include "test/net/SelfSigned.hpp"

using namespace pharos;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using test::SelfSigned;

namespace {

// Answers one TLS connection at a time with 200 OK, on its own thread.
class TlsServer {
  public:
    explicit TlsServer(const SelfSigned& cert)
        : tls_(asio::ssl::context::tls_server),
          acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        tls_.use_certificate_chain(asio::buffer(cert.cert_pem));
        tls_.use_private_key(asio::buffer(cert.key_pem), asio::ssl::context::pem);
        thread_ = std::thread([this] { serve(); });
    }
    ~TlsServer() {
        stop_ = true;
        boost::system::error_code ignored;
        tcp::socket poke(io_);
        poke.connect(acceptor_.local_endpoint(), ignored);
        thread_.join();
    }
    uint16_t port() const { return acceptor_.local_endpoint().port(); }
    std::atomic<int> handshakes{0};
    std::atomic<int> resumed{0};  // abbreviated handshakes: the client offered its session

  private:
    void serve() {
        while (!stop_) {
            asio::ssl::stream<tcp::socket> stream(io_, tls_);
            boost::system::error_code e;
            acceptor_.accept(stream.next_layer(), e);
            if (e || stop_) {
                continue;
            }
            stream.handshake(asio::ssl::stream_base::server, e);
            if (e) {
                continue;
            }
            ++handshakes;
            resumed += SSL_session_reused(stream.native_handle()) ? 1 : 0;
            std::array<char, 4096> buf;
            stream.read_some(asio::buffer(buf), e);
            std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK";
            asio::write(stream, asio::buffer(reply), e);
            stream.shutdown(e);
        }
    }
    asio::io_context io_;
    asio::ssl::context tls_;
    tcp::acceptor acceptor_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

health::ProbeResult probe(const conf::HttpParams& params, uint16_t port) {
    asio::io_context io;
    health::HttpMonitor monitor(io, params);
    health::ProbeResult result;
    monitor.probe({asio::ip::make_address("127.0.0.1"), port, params.hostname, params.hostname},
                  std::chrono::seconds(2), [&](const health::ProbeResult& r) { result = r; });
    io.run();
    return result;
}

}  // namespace

TEST_CASE("https: a real TLS member, with and without certificate verification") {
    SelfSigned cert("app.example");
    TlsServer server(cert);
    std::string ca = (std::filesystem::temp_directory_path() / "pharos-test-ca.pem").string();
    std::ofstream(ca) << cert.cert_pem;

    conf::HttpParams params;
    params.use_ssl = true;
    params.hostname = "app.example";
    CHECK(probe(params, server.port()).pass);  // Polaris's way: no verification

    params.verify_tls = true;
    params.ca_file = ca;
    CHECK(probe(params, server.port()).pass);  // trusted CA, matching name

    params.hostname = "other.example";
    auto wrong_name = probe(params, server.port());
    CHECK_FALSE(wrong_name.pass);
    CHECK(wrong_name.reason == state::FailureReason::TlsError);

    params.hostname = "app.example";
    params.ca_file = "";  // the system store does not know this self-signed CA
    auto untrusted = probe(params, server.port());
    CHECK_FALSE(untrusted.pass);
    CHECK(untrusted.reason == state::FailureReason::TlsError);
    std::filesystem::remove(ca);
}

TEST_CASE("https: each check resumes the member's last TLS session, unless told not to") {
    SelfSigned cert("app.example");
    TlsServer server(cert);
    conf::HttpParams params;
    params.use_ssl = true;
    params.hostname = "app.example";
    asio::io_context io;
    int passed = 0;
    auto checks = [&](health::HttpMonitor& monitor, int times) {
        for (int i = 0; i < times; ++i) {
            monitor.probe({asio::ip::make_address("127.0.0.1"), server.port(), params.hostname,
                           params.hostname},
                          std::chrono::seconds(2),
                          [&](const health::ProbeResult& r) { passed += r.pass; });
            io.run();
            io.restart();
        }
    };
    health::HttpMonitor monitor(io, params);
    checks(monitor, 3);
    CHECK(passed == 3);
    CHECK(server.handshakes == 3);  // a new connection and handshake every time
    CHECK(server.resumed == 2);     // the second and third abbreviated

    params.tls_session_reuse = false;
    health::HttpMonitor fresh(io, params);
    checks(fresh, 2);
    CHECK(passed == 5);
    CHECK(server.resumed == 2);
}
