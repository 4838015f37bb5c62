// net::HttpClient::stream: a response that stays open, delivered piece by piece as it comes
// (etcd's /v3/watch), against loopback servers started here.
#include <catch2/catch.hpp>

#include "net/HttpClient.hpp"
#include "test/net/LocalServer.hpp"

using namespace pharos;
using net::HttpFailure;
using std::chrono::milliseconds;
using test::LocalServer;
using test::Peer;
namespace http = boost::beast::http;

namespace {

struct Streamed {
    std::atomic<unsigned> status{0};
    std::atomic<int> lines{0};  // complete lines received so far, for the server to wait on
    std::string text;
    int calls = 0;
    net::HttpResult result;
    double seconds = 0;
    std::shared_ptr<net::HttpExchange> handle;
};

// Streams from the server at `port`; `on_text` runs after each piece.
void stream(Streamed& s, uint16_t port, milliseconds answer_timeout = milliseconds(1000),
            std::function<void()> on_text = nullptr) {
    boost::asio::io_context io;
    net::HttpClient client(io, nullptr);
    net::HttpTarget target{"127.0.0.1", port, ""};
    auto start = std::chrono::steady_clock::now();
    net::HttpStreamHandlers handlers;
    handlers.header = [&](const net::HttpResponse& head) { s.status = head.result_int(); };
    handlers.body = [&](std::string_view piece) {
        s.text.append(piece);
        s.lines = int(std::count(s.text.begin(), s.text.end(), '\n'));
        if (on_text) {
            on_text();
        }
    };
    s.handle = client.stream(
        target, client.request(http::verb::post, "/v3/watch", target), answer_timeout,
        std::move(handlers), [&](net::HttpResult& r) {
            ++s.calls;
            s.seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            s.result = std::move(r);
        });
    CHECK(s.calls == 0);
    io.run();
    s.handle.reset();  // before the loop it belongs to
    REQUIRE(s.calls == 1);
}

const std::string kChunkedHead = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

}  // namespace

TEST_CASE("stream: each piece is delivered as it arrives, then the end") {
    Streamed s;
    std::atomic<bool> waited{true};
    LocalServer server([&](Peer& p) {
        p.readRequest();
        p.write(kChunkedHead + test::chunk("one\n"));
        // The next is sent only once the client has the first: nothing waits for the end.
        waited = waited && p.waitFor([&] { return s.lines >= 1; });
        p.write(test::chunk("two\n"));
        waited = waited && p.waitFor([&] { return s.lines >= 2; });
        p.write("0\r\n\r\n");
    });
    stream(s, server.port());
    CHECK(waited);
    CHECK(s.status == 200);
    CHECK(s.text == "one\ntwo\n");
    CHECK(s.result.ok());
    CHECK_THAT(server.lastRequest(), Catch::StartsWith("POST /v3/watch HTTP/1.1\r\n"));
}

TEST_CASE("stream: the deadline covers the wait for the header only") {
    Streamed quiet;
    LocalServer slow_body([&](Peer& p) {
        p.readRequest();
        p.write(kChunkedHead);
        p.pause(milliseconds(500));
        p.write(test::chunk("late\n") + "0\r\n\r\n");
    });
    stream(quiet, slow_body.port(), milliseconds(200));
    CHECK(quiet.result.ok());
    CHECK(quiet.text == "late\n");
    CHECK(quiet.seconds >= 0.49);

    Streamed unanswered;
    LocalServer silent([](Peer& p) {
        p.readRequest();
        p.waitFor([] { return false; });
    });
    stream(unanswered, silent.port(), milliseconds(200));
    CHECK(unanswered.result.failure == HttpFailure::Timeout);
    CHECK(unanswered.status == 0);  // no header handler without a header
    CHECK(unanswered.seconds >= 0.19);
    CHECK(unanswered.seconds < 1);
}

// Found by fuzz_HttpReply: the body was reserved whole as it began, whatever its length said.
TEST_CASE("stream: an announced body past kMaxAnnouncedBody is refused at the header") {
    Streamed huge;
    LocalServer server([&](Peer& p) {
        p.readRequest();
        p.write("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999\r\n\r\n{}\n");
        p.waitFor([] { return false; });
    });
    stream(huge, server.port());
    CHECK(huge.result.failure == HttpFailure::TooLarge);
    CHECK(huge.text.empty());
}

TEST_CASE("stream: a body without chunks runs until the connection ends") {
    Streamed closes;
    LocalServer until_close([&](Peer& p) {
        p.readRequest();
        p.write("HTTP/1.1 200 OK\r\n\r\nfirst\n");
        p.waitFor([&] { return closes.lines >= 1; });
        p.write("second\n");
    });
    stream(closes, until_close.port());
    CHECK(closes.text == "first\nsecond\n");
    CHECK(closes.result.ok());  // the end of such a body is the end of the connection

    Streamed resets;
    LocalServer reset([&](Peer& p) {
        p.readRequest();
        p.write(kChunkedHead + test::chunk("one\n"));
        p.waitFor([&] { return resets.lines >= 1; });
        p.reset();
    });
    stream(resets, reset.port());
    CHECK(resets.text == "one\n");
    CHECK(resets.result.failure == HttpFailure::Receive);
    CHECK(resets.result.error == boost::asio::error::connection_reset);
}

TEST_CASE("stream: cancel ends it at once, with no piece after it and one end") {
    Streamed s;
    std::atomic<bool> cancelled{false};
    LocalServer server([&](Peer& p) {
        p.readRequest();
        p.write(kChunkedHead + test::chunk("one\n"));
        p.waitFor([&] { return cancelled.load(); });
        p.write(test::chunk("two\n"));
        p.waitFor([] { return false; }, milliseconds(300));
    });
    stream(s, server.port(), milliseconds(1000), [&] {
        s.handle->cancel();
        s.handle->cancel();  // twice is once
        cancelled = true;
    });
    CHECK(s.text == "one\n");
    CHECK(s.status == 200);
    CHECK(s.result.failure == HttpFailure::Cancelled);
    CHECK(s.seconds < 0.3);  // did not wait for the server
}
