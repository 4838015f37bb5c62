#include <catch2/catch.hpp>
#include <chrono>

#include "TestServers.hpp"
#include "health/checks/DnsMessage.hpp"
#include "health/checks/DnsMonitor.hpp"
#include "health/checks/HttpMonitor.hpp"
#include "health/checks/TcpMonitor.hpp"
#include "health/checks/TcpReply.hpp"

using namespace pharos;
using health::ProbeResult;
using state::FailureReason;
using std::chrono::milliseconds;

namespace {

ProbeResult probeOnce(health::Monitor& monitor, boost::asio::io_context& io, uint16_t port,
                      milliseconds timeout = milliseconds(1000), const std::string& host = "") {
    health::ProbeTarget target{boost::asio::ip::make_address("127.0.0.1"), port,
                               host.empty() ? "127.0.0.1" : host, host};
    ProbeResult result;
    int calls = 0;
    monitor.probe(target, timeout, [&](const ProbeResult& r) {
        result = r;
        ++calls;
    });
    io.run();
    io.restart();
    REQUIRE(calls == 1);
    return result;
}

double seconds(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

TEST_CASE("http: 200 passes, with Host from hostname and the configured path") {
    test::TestServer server;
    boost::asio::io_context io;
    conf::HttpParams params;
    params.url_path = "/healthz";
    health::HttpMonitor monitor(io, params);
    auto r = probeOnce(monitor, io, server.port(), milliseconds(1000), "app.example");
    CHECK(r.pass);
    CHECK(r.reason == FailureReason::None);
    CHECK(r.latency_us > 0);
    CHECK_THAT(server.lastRequest(), Catch::StartsWith("GET /healthz HTTP/1.1\r\n"));
    CHECK_THAT(server.lastRequest(), Catch::Contains("Host: app.example\r\n"));
}

TEST_CASE("http: status outside expected_codes fails; listed codes pass") {
    test::TestServer server;
    server.respond(test::httpResponse(500));
    boost::asio::io_context io;
    conf::HttpParams params;
    health::HttpMonitor strict(io, params);
    auto r = probeOnce(strict, io, server.port());
    CHECK_FALSE(r.pass);
    CHECK(r.reason == FailureReason::BadStatus);
    params.expected_codes = {200, 500};
    health::HttpMonitor lenient(io, params);
    CHECK(probeOnce(lenient, io, server.port()).pass);
}

TEST_CASE("http: body_match") {
    test::TestServer server;
    server.respond(test::httpResponse(200, "status: healthy"));
    boost::asio::io_context io;
    conf::HttpParams params;
    params.body_match = "healthy";
    health::HttpMonitor monitor(io, params);
    CHECK(probeOnce(monitor, io, server.port()).pass);
    server.respond(test::httpResponse(200, "status: degraded"));
    auto r = probeOnce(monitor, io, server.port());
    CHECK_FALSE(r.pass);
    CHECK(r.reason == FailureReason::BodyMismatch);
    server.respond(test::httpResponse(200, std::string(200000, 'x') + "healthy"));
    auto big = probeOnce(monitor, io, server.port());
    INFO("reason " << int(big.reason));
    CHECK_FALSE(big.pass);  // never buffers past the limit
}

TEST_CASE("http: a member that accepts and never answers is down after the timeout") {
    test::TestServer server;
    server.behaviour = test::Behaviour::Hang;
    boost::asio::io_context io;
    health::HttpMonitor monitor(io, conf::HttpParams{});
    auto start = std::chrono::steady_clock::now();
    auto r = probeOnce(monitor, io, server.port(), milliseconds(300));
    CHECK_FALSE(r.pass);
    CHECK(r.reason == FailureReason::Timeout);
    CHECK(seconds(start) >= 0.29);
    CHECK(seconds(start) < 1.0);
}

TEST_CASE("http: closed early, garbage, refused, TLS to a plain server") {
    test::TestServer server;
    boost::asio::io_context io;
    health::HttpMonitor monitor(io, conf::HttpParams{});
    server.behaviour = test::Behaviour::CloseAtOnce;
    CHECK(probeOnce(monitor, io, server.port()).reason == FailureReason::ClosedEarly);
    server.behaviour = test::Behaviour::Garbage;
    CHECK(probeOnce(monitor, io, server.port()).reason == FailureReason::Malformed);
    CHECK(probeOnce(monitor, io, test::closedPort()).reason == FailureReason::ConnectRefused);
    server.behaviour = test::Behaviour::Respond;
    server.waitForBlankLine = false;  // answer the ClientHello with plain HTTP
    conf::HttpParams tls;
    tls.use_ssl = true;
    health::HttpMonitor https(io, tls);
    auto r = probeOnce(https, io, server.port());
    INFO("reason " << int(r.reason));
    CHECK_FALSE(r.pass);
    CHECK(r.reason == FailureReason::TlsError);
}

TEST_CASE("tcp: connect, send_string and a case-insensitive match_re") {
    test::TestServer server;
    server.waitForBlankLine = false;
    server.respond("+PONG\r\n");
    boost::asio::io_context io;
    conf::TcpParams connect_only;
    health::TcpMonitor plain(io, connect_only);
    CHECK(probeOnce(plain, io, server.port()).pass);
    CHECK(probeOnce(plain, io, test::closedPort()).reason == FailureReason::ConnectRefused);

    conf::TcpParams redis;
    redis.send_string = "PING\r\n";
    redis.match_re = "^\\+pong";
    health::TcpMonitor monitor(io, redis);
    CHECK(probeOnce(monitor, io, server.port()).pass);
    CHECK_THAT(server.lastRequest(), Catch::Equals("PING\r\n"));
    server.respond("-ERR nope\r\n");
    auto closed = probeOnce(monitor, io, server.port());
    CHECK_FALSE(closed.pass);
    CHECK(closed.reason == FailureReason::ClosedEarly);
    server.behaviour = test::Behaviour::Hang;
    auto hung = probeOnce(monitor, io, server.port(), milliseconds(200));
    CHECK(hung.reason == FailureReason::Timeout);
}

TEST_CASE("tcp: a reply too costly for match_re fails the check at once, not the prober") {
    // fuzz_TcpReply's finding: with std::regex, (a|b)*c over a reply of A's backtracked for
    // seconds per chunk on the prober's only thread; the check now ends as its search gives up.
    test::TestServer server;
    server.waitForBlankLine = false;
    server.respond(std::string(health::kMaxTcpReply, 'A'));
    boost::asio::io_context io;
    conf::TcpParams costly;
    costly.send_string = "HELLO\r\n";  // the test server answers once it has read a request
    costly.match_re = "(a|b)*c";
    health::TcpMonitor monitor(io, costly);
    auto r = probeOnce(monitor, io, server.port(), milliseconds(5000));
    CHECK_FALSE(r.pass);
    CHECK(r.reason == FailureReason::NoMatch);
    CHECK(r.detail == 1);
}

namespace {

// A member that sends its banner a byte at a time, a write each, then holds the connection
// open (as a server waiting for its next command does) or closes it. Errors end its thread
// quietly: the probe may close first, and the test's checks say what went wrong.
class DribblingMember {
  public:
    DribblingMember(std::string banner, bool close_after)
        : acceptor_(io_, test::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)),
          port_(acceptor_.local_endpoint().port()) {
        thread_ = std::thread([this, banner, close_after] { serve(banner, close_after); });
    }
    ~DribblingMember() {
        release_ = true;
        // Unblocks accept() if the probe never connected.
        boost::system::error_code ignored;
        test::tcp::socket poke(io_);
        poke.connect(test::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port_),
                     ignored);
        thread_.join();
    }
    uint16_t port() const { return port_; }

  private:
    void serve(const std::string& banner, bool close_after) {
        test::tcp::socket socket(io_);
        boost::system::error_code e;
        acceptor_.accept(socket, e);
        socket.set_option(test::tcp::no_delay(true), e);
        for (size_t i = 0; i < banner.size() && !e && !release_; ++i) {
            boost::asio::write(socket, boost::asio::buffer(&banner[i], 1), e);
            std::this_thread::sleep_for(milliseconds(1));
        }
        while (!close_after && !release_) {
            std::this_thread::sleep_for(milliseconds(10));
        }
    }

    boost::asio::io_context io_;
    test::tcp::acceptor acceptor_;
    uint16_t port_;
    std::atomic<bool> release_{false};
    std::thread thread_;
};

}  // namespace

TEST_CASE("tcp: a banner dribbled a byte at a time matches, held open or closed after") {
    // TcpReply defers searches past its budget (fuzz_TcpReply's second finding); the bytes it
    // left unsearched are searched when the member closes or the deadline comes, so a member
    // that dribbles its banner is still up, not a timeout or "closed early".
    std::string banner = std::string(395, '-') + "ready\r\n";
    conf::TcpParams params;
    params.match_re = "ready";
    boost::asio::io_context io;
    health::TcpMonitor monitor(io, params);
    {
        DribblingMember held(banner, false);
        auto r = probeOnce(monitor, io, held.port(), milliseconds(2000));
        INFO("reason " << int(r.reason));
        CHECK(r.pass);
    }
    {
        DribblingMember closed(banner, true);
        auto r = probeOnce(monitor, io, closed.port(), milliseconds(5000));
        INFO("reason " << int(r.reason));
        CHECK(r.pass);
        CHECK(r.latency_us < 4000000);  // ended at the close, not at the deadline
    }
}

TEST_CASE("dns wire format: query layout and reply parsing") {
    auto q = health::buildDnsQuery(0x1234, "probe.example", 28);
    REQUIRE(q.size() == 12 + 15 + 4);
    CHECK(q[0] == 0x12);
    CHECK(q[1] == 0x34);
    CHECK(q[12] == 5);
    CHECK(std::string(q.begin() + 13, q.begin() + 18) == "probe");
    CHECK(q[q.size() - 3] == 28);
    // The reply: the query turned into a response, with one compressed A answer.
    std::vector<uint8_t> reply = q;
    reply[2] = 0x81;
    reply[3] = 0x80;  // QR, RD, RA, rcode 0
    reply[7] = 1;     // ANCOUNT
    reply.insert(reply.end(), {0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7});
    auto parsed = health::parseDnsReply(reply);
    REQUIRE(parsed);
    CHECK(parsed->id == 0x1234);
    CHECK(parsed->rcode == 0);
    CHECK(parsed->answers == std::vector<std::string>{"192.0.2.7"});
    reply[3] = 0x83;  // NXDOMAIN
    CHECK(health::parseDnsReply(reply)->rcode == 3);
    reply.resize(reply.size() - 3);  // truncated rdata
    CHECK_FALSE(health::parseDnsReply(reply));
    CHECK_FALSE(health::parseDnsReply(std::vector<uint8_t>{1, 2, 3}));
    q[2] = 0x01;  // a query, not a response
    CHECK_FALSE(health::parseDnsReply(q));
}

TEST_CASE("dns monitor against a loopback responder") {
    using udp = boost::asio::ip::udp;
    boost::asio::io_context server_io;
    udp::socket server(server_io, udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    std::atomic<int> rcode{0};
    std::thread responder([&] {
        for (int i = 0; i < 3; ++i) {
            std::array<uint8_t, 512> buf;
            udp::endpoint peer;
            size_t n = server.receive_from(boost::asio::buffer(buf), peer);
            std::vector<uint8_t> reply(buf.begin(), buf.begin() + long(n));
            reply[2] = 0x81;
            reply[3] = uint8_t(0x80 | rcode);
            reply[7] = 1;
            reply.insert(reply.end(), {0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 7});
            server.send_to(boost::asio::buffer(reply), peer);
        }
    });
    boost::asio::io_context io;
    conf::DnsParams params;
    params.query_name = "probe.example";
    params.expected_answer = "192.0.2.7";
    health::DnsMonitor monitor(io, params);
    uint16_t port = server.local_endpoint().port();
    CHECK(probeOnce(monitor, io, port).pass);
    params.expected_answer = "192.0.2.8";
    health::DnsMonitor wrong_answer(io, params);
    CHECK(probeOnce(wrong_answer, io, port).reason == FailureReason::DnsAnswer);
    rcode = 2;
    CHECK(probeOnce(monitor, io, port).reason == FailureReason::DnsRcode);
    responder.join();
    auto silent = probeOnce(monitor, io, port, milliseconds(200));  // nobody answers now
    CHECK(silent.reason == FailureReason::Timeout);
}
