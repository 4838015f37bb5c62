// net::HttpClient against loopback HTTP and HTTPS servers started here (test/net/LocalServer),
// with certificates made at test time.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "net/HttpClient.hpp"
#include "test/health/TestServers.hpp"
#include "test/net/LocalServer.hpp"

using namespace pharos;
using net::HttpFailure;
using std::chrono::milliseconds;
using test::LocalServer;
using test::Peer;
namespace http = boost::beast::http;

namespace {

struct Outcome {
    int calls = 0;
    net::HttpResult result;
    double seconds = 0;
};

Outcome exchange(const net::HttpClient& client, boost::asio::io_context& io,
                 const net::HttpTarget& target, net::HttpOptions options = {},
                 std::function<void(net::HttpResult&)> inside = nullptr) {
    Outcome out;
    auto start = std::chrono::steady_clock::now();
    auto request = client.request(http::verb::get, "/health", target);
    client.exchange(target, std::move(request), options, [&](net::HttpResult& r) {
        ++out.calls;
        out.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (inside) {
            inside(r);
        }
        out.result = std::move(r);
    });
    CHECK(out.calls == 0);  // never before exchange() returns
    io.run();
    io.restart();
    REQUIRE(out.calls == 1);
    return out;
}

net::HttpTarget local(uint16_t port, std::string server_name = "") {
    return {"127.0.0.1", port, std::move(server_name)};
}

std::shared_ptr<net::TlsContext> tlsContext(bool verify, const std::string& ca_file = "") {
    net::TlsSettings s;
    s.verify = verify;
    s.ca_file = ca_file;
    return std::make_shared<net::TlsContext>(s);
}

// Answers every request with `text`.
LocalServer::Script answer(std::string text) {
    return [text](Peer& p) {
        p.readRequest();
        p.write(text);
    };
}

}  // namespace

TEST_CASE("http: a request with its Host and User-Agent, the whole response back") {
    LocalServer server(answer(test::response(200, "all good")));
    boost::asio::io_context io;
    net::HttpClient client(io, nullptr);
    auto out = exchange(client, io, local(server.port()));
    CHECK(out.result.ok());
    CHECK(out.result.status() == 200);
    CHECK(out.result.response.body() == "all good");
    std::string request = server.lastRequest();
    CHECK_THAT(request, Catch::StartsWith("GET /health HTTP/1.1\r\n"));
    CHECK_THAT(request, Catch::Contains("Host: 127.0.0.1:" + std::to_string(server.port())));
    CHECK_THAT(request, Catch::Contains("User-Agent: pharos-health\r\n"));
}

TEST_CASE("http: HttpRead::Header ends at the header, and HEAD expects no body") {
    // The body is announced and never sent: only a read that stops at the header ends in time.
    LocalServer server([](Peer& p) {
        p.readRequest();
        p.write("HTTP/1.1 204 X\r\nContent-Length: 100\r\n\r\n");
        p.waitFor([] { return false; });
    });
    boost::asio::io_context io;
    net::HttpClient client(io, nullptr);
    net::HttpOptions options;
    options.timeout = milliseconds(2000);
    options.read = net::HttpRead::Header;
    auto out = exchange(client, io, local(server.port()), options);
    CHECK(out.result.ok());
    CHECK(out.result.status() == 204);
    CHECK(out.seconds < 1);

    options.read = net::HttpRead::Whole;
    auto whole = exchange(client, io, local(server.port()), options);
    CHECK(whole.result.failure == HttpFailure::Timeout);
}

TEST_CASE("http: one deadline for the whole exchange, however the server dawdles") {
    boost::asio::io_context io;
    net::HttpClient client(io, nullptr);
    net::HttpOptions options;
    options.timeout = milliseconds(300);

    LocalServer silent([](Peer& p) {
        p.readRequest();
        p.waitFor([] { return false; });
    });
    auto hung = exchange(client, io, local(silent.port()), options);
    CHECK(hung.result.failure == HttpFailure::Timeout);
    CHECK(hung.result.error == boost::asio::error::timed_out);
    CHECK(hung.seconds >= 0.29);
    CHECK(hung.seconds < 1);

    // A byte every 50 ms keeps every read short, and still the exchange ends at 300 ms.
    LocalServer trickle([](Peer& p) {
        p.readRequest();
        p.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
        for (int i = 0; i < 100; ++i) {
            p.pause(milliseconds(50));
            p.write("x");
        }
    });
    auto slow = exchange(client, io, local(trickle.port()), options);
    CHECK(slow.result.failure == HttpFailure::Timeout);
    CHECK(slow.result.status() == 200);  // the header came in time
    CHECK(slow.seconds >= 0.29);
    CHECK(slow.seconds < 1);
}

TEST_CASE("http: refused, reset and closed connections") {
    boost::asio::io_context io;
    net::HttpClient client(io, nullptr);
    auto refused = exchange(client, io, local(test::closedPort()));
    CHECK(refused.result.failure == HttpFailure::Connect);
    CHECK(refused.result.error == boost::asio::error::connection_refused);

    LocalServer resets([](Peer& p) {
        p.readRequest();
        p.reset();
    });
    auto reset = exchange(client, io, local(resets.port()));
    CHECK(reset.result.failure == HttpFailure::Receive);
    CHECK(reset.result.error == boost::asio::error::connection_reset);

    LocalServer closes([](Peer& p) { p.readRequest(); });
    auto closed = exchange(client, io, local(closes.port()));
    CHECK(closed.result.failure == HttpFailure::Receive);
    CHECK(closed.result.error == http::error::end_of_stream);

    LocalServer half([](Peer& p) {
        p.readRequest();
        p.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    });
    auto partial = exchange(client, io, local(half.port()));
    CHECK(partial.result.failure == HttpFailure::Receive);
    CHECK(partial.result.error == http::error::partial_message);
}

TEST_CASE("http: a name is resolved; one that does not resolve fails as such") {
    LocalServer server(answer(test::response(200, "ok")));
    boost::asio::io_context io;
    net::HttpClient client(io, nullptr);
    auto named = exchange(client, io, {"localhost", server.port(), ""});
    CHECK(named.result.ok());
    CHECK_THAT(server.lastRequest(),
               Catch::Contains("Host: localhost:" + std::to_string(server.port())));
    net::HttpOptions options;
    options.timeout = milliseconds(5000);
    auto nowhere = exchange(client, io, {"nothing.invalid", server.port(), ""}, options);
    INFO(nowhere.result.error.message());
    CHECK(nowhere.result.failure == HttpFailure::Resolve);
}

TEST_CASE("http: sizes past the limits are not read") {
    boost::asio::io_context io;
    net::HttpClient client(io, nullptr);
    net::HttpOptions options;
    options.timeout = milliseconds(3000);
    options.body_limit = 256 * 1024;

    // Announced too large: refused at the header, without waiting for a byte of it.
    LocalServer announces([](Peer& p) {
        p.readRequest();
        p.write("HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n");
        p.waitFor([] { return false; });
    });
    auto announced = exchange(client, io, local(announces.port()), options);
    CHECK(announced.result.failure == HttpFailure::TooLarge);
    CHECK(announced.seconds < 1);

    // Chunked with no end: refused once past the limit.
    LocalServer floods([](Peer& p) {
        p.readRequest();
        p.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int i = 0; i < 1000; ++i) {
            p.write(test::chunk(std::string(64 * 1024, 'x')));
        }
    });
    auto flooded = exchange(client, io, local(floods.port()), options);
    CHECK(flooded.result.failure == HttpFailure::TooLarge);
    CHECK(flooded.result.error == http::error::body_limit);

    LocalServer big_header(
        answer(test::response(200, "", "X-Big: " + std::string(20000, 'h') + "\r\n")));
    auto header = exchange(client, io, local(big_header.port()), options);
    CHECK(header.result.failure == HttpFailure::TooLarge);
    options.header_limit = 32 * 1024;
    CHECK(exchange(client, io, local(big_header.port()), options).result.ok());

    std::string body(200 * 1024, 'b');
    LocalServer within(answer(test::response(200, body)));
    auto fits = exchange(client, io, local(within.port()), options);
    CHECK(fits.result.ok());
    CHECK(fits.result.response.body() == body);
    options.body_limit = std::nullopt;  // unbounded
    LocalServer large(answer(test::response(200, std::string(2 << 20, 'L'))));
    auto unbounded = exchange(client, io, local(large.port()), options);
    INFO(unbounded.result.error.message());
    CHECK(unbounded.result.ok());
    CHECK(unbounded.result.response.body().size() == 2 << 20);
}

TEST_CASE("https: SNI is the server name, or the host when it is a name, never an address") {
    test::SelfSigned cert("app.example");
    LocalServer server(answer(test::response(200, "tls")), &cert);
    boost::asio::io_context io;
    net::HttpClient client(io, tlsContext(false));
    auto named = exchange(client, io, local(server.port(), "app.example"));
    CHECK(named.result.ok());
    CHECK(named.result.response.body() == "tls");
    CHECK(server.lastSni() == "app.example");
    CHECK(exchange(client, io, local(server.port())).result.ok());
    CHECK(server.lastSni() == "");  // an address is never sent as SNI
    CHECK(exchange(client, io, {"localhost", server.port(), ""}).result.ok());
    CHECK(server.lastSni() == "localhost");
    CHECK_THAT(server.lastRequest(),
               Catch::Contains("Host: localhost:" + std::to_string(server.port())));
}

TEST_CASE("https: certificates verified when asked, and only then") {
    test::SelfSigned cert("app.example");
    LocalServer server(answer(test::response(200, "tls")), &cert);
    std::string ca = (std::filesystem::temp_directory_path() /
                      ("pharos-net-test-ca-" + std::to_string(getpid()) + ".pem"))
                         .string();
    std::ofstream(ca) << cert.cert_pem;
    boost::asio::io_context io;

    net::HttpClient lenient(io, tlsContext(false));
    CHECK(exchange(lenient, io, local(server.port(), "other.example")).result.ok());

    net::HttpClient trusting(io, tlsContext(true, ca));
    CHECK(exchange(trusting, io, local(server.port(), "app.example")).result.ok());
    auto wrong_name = exchange(trusting, io, local(server.port(), "other.example"));
    CHECK(wrong_name.result.failure == HttpFailure::Handshake);
    auto address = exchange(trusting, io, local(server.port()));  // verified against 127.0.0.1
    CHECK(address.result.failure == HttpFailure::Handshake);

    net::HttpClient system_store(io, tlsContext(true));
    auto self_signed = exchange(system_store, io, local(server.port(), "app.example"));
    CHECK(self_signed.result.failure == HttpFailure::Handshake);
    std::filesystem::remove(ca);

    net::TlsSettings missing;
    missing.ca_file = "/nonexistent/ca.pem";
    CHECK_THROWS_AS(net::TlsContext(missing), boost::system::system_error);
    missing.name = "cluster.tls";
    CHECK_THROWS_WITH(net::TlsContext(missing),
                      "cluster.tls.ca: /nonexistent/ca.pem does not exist");
}

TEST_CASE("http(s): an address given as such is connected to as is, its text the host's") {
    auto loopback = boost::asio::ip::make_address("127.0.0.1");
    {
        LocalServer server(answer(test::response(200, "plain")));
        boost::asio::io_context io;
        net::HttpClient client(io, nullptr);
        auto out = exchange(client, io, {"", server.port(), "", loopback});
        CHECK(out.result.ok());
        CHECK_THAT(server.lastRequest(),
                   Catch::Contains("Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"));
        // A name with the address: not resolved (it would not resolve), still the Host.
        auto named = exchange(client, io, {"app.invalid", server.port(), "", loopback});
        CHECK(named.result.ok());
        CHECK_THAT(server.lastRequest(),
                   Catch::Contains("Host: app.invalid:" + std::to_string(server.port())));
        CHECK(exchange(client, io, {"", test::closedPort(), "", loopback}).result.error ==
              boost::asio::error::connection_refused);
    }
    test::SelfSigned cert("app.example");
    LocalServer server(answer(test::response(200, "tls")), &cert);
    std::string ca = (std::filesystem::temp_directory_path() /
                      ("pharos-net-test-ca-address-" + std::to_string(getpid()) + ".pem"))
                         .string();
    std::ofstream(ca) << cert.cert_pem;
    boost::asio::io_context io;
    net::HttpClient trusting(io, tlsContext(true, ca));
    CHECK(exchange(trusting, io, {"", server.port(), "app.example", loopback}).result.ok());
    CHECK(server.lastSni() == "app.example");
    auto address = exchange(trusting, io, {"", server.port(), "", loopback});
    CHECK(address.result.failure == HttpFailure::Handshake);  // verified against 127.0.0.1
    net::HttpClient lenient(io, tlsContext(false));
    CHECK(exchange(lenient, io, {"", server.port(), "", loopback}).result.ok());
    CHECK(server.lastSni() == "");  // an address is never sent as SNI
    std::filesystem::remove(ca);
}

TEST_CASE("https: a session taken from one exchange resumes the next") {
    test::SelfSigned cert("app.example");
    LocalServer server(answer(test::response(200, "tls")), &cert);
    boost::asio::io_context io;
    net::HttpClient client(io, tlsContext(false));
    net::TlsSession session;
    auto keep = [&](net::HttpResult& r) { session = r.takeSession(); };
    CHECK(exchange(client, io, local(server.port(), "app.example"), {}, keep).result.ok());
    REQUIRE(session);
    net::HttpOptions options;
    options.resume = session.get();
    CHECK(exchange(client, io, local(server.port(), "app.example"), options).result.ok());
    CHECK(server.handshakes == 2);
    CHECK(server.resumed == 1);

    net::TlsSession none;
    exchange(client, io, local(test::closedPort()), {},
             [&](net::HttpResult& r) { none = r.takeSession(); });
    CHECK_FALSE(none);  // no session from a failed exchange
}

TEST_CASE("http: IPv6 literals, in brackets in the Host field") {
    LocalServer server(answer(test::response(200, "six")), nullptr, "::1");
    boost::asio::io_context io;
    net::HttpClient client(io, nullptr);
    auto out = exchange(client, io, {"::1", server.port(), ""});
    CHECK(out.result.ok());
    CHECK(out.result.response.body() == "six");
    CHECK_THAT(server.lastRequest(),
               Catch::Contains("Host: [::1]:" + std::to_string(server.port()) + "\r\n"));
    CHECK(net::hostField("::1", 80, 80) == "[::1]");
    CHECK(net::hostField("2001:db8::1", 8443, 443) == "[2001:db8::1]:8443");
    CHECK(net::hostField("192.0.2.1", 443, 443) == "192.0.2.1");
    CHECK(net::hostField("example.com", 8080, 80) == "example.com:8080");
}
