// The webhook queue against loopback servers that answer, fail, hang or are not there.
#include <catch2/catch.hpp>
#include <chrono>

#include "notify/Notifier.hpp"
#include "notify/WebhookQueue.hpp"
#include "test/health/TestServers.hpp"

using namespace pharos;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

conf::WebhookTarget targetAt(uint16_t port, double timeout = 1, double retry_for = 300) {
    conf::WebhookTarget t;
    t.url = "http://127.0.0.1:" + std::to_string(port) + "/hook";
    t.shown = "http://127.0.0.1:" + std::to_string(port) + "/...";
    t.scheme = "http";
    t.host = "127.0.0.1";
    t.port = port;
    t.target = "/hook";
    t.timeout = conf::Seconds(timeout);
    t.retry_for = conf::Seconds(retry_for);
    return t;
}

// Runs the loop until `done` holds or `limit` passes; returns whether it held.
template <typename Done>
bool runUntil(boost::asio::io_context& io, Done done, milliseconds limit) {
    auto end = steady_clock::now() + limit;
    while (!done() && steady_clock::now() < end) {
        io.run_for(milliseconds(10));
        io.restart();
    }
    return done();
}

}  // namespace

TEST_CASE("webhook: events are posted as JSON, one at a time, in order") {
    test::TestServer server;
    server.respond(test::httpResponse(204));
    boost::asio::io_context io;
    notify::WebhookQueue queue(io, targetAt(server.port()));
    for (int i = 1; i <= 3; ++i) {
        queue.push(R"({"n":)" + std::to_string(i) + "}");
    }
    CHECK(queue.queued() == 3);
    REQUIRE(runUntil(
        io, [&] { return queue.counts().delivered == 3; }, milliseconds(3000)));
    CHECK(server.connections == 3);
    std::string last = server.lastRequest();
    CHECK(last.rfind("POST /hook HTTP/1.1\r\n", 0) == 0);
    CHECK(last.find("Content-Type: application/json") != std::string::npos);
    CHECK(last.find(R"({"n":3})") != std::string::npos);  // the last one went last
    CHECK(queue.queued() == 0);
    CHECK(queue.counts().failed_attempts == 0);
}

TEST_CASE("webhook: a 500 is retried after a second, then dropped once retry_for passes") {
    test::TestServer server;
    server.respond(test::httpResponse(500));
    boost::asio::io_context io;
    notify::WebhookQueue queue(io, targetAt(server.port(), 1, 1.5));
    auto start = steady_clock::now();
    queue.push("{}");
    REQUIRE(runUntil(
        io, [&] { return queue.counts().dropped == 1; }, milliseconds(5000)));
    auto took = steady_clock::now() - start;
    // Attempts at 0 s and 1 s; the next would be at 3 s, past retry_for: dropped at 1 s.
    CHECK(server.connections == 2);
    CHECK(queue.counts().failed_attempts == 2);
    CHECK(took >= milliseconds(900));
    CHECK(took < milliseconds(2500));
    CHECK(queue.counts().delivered == 0);
    CHECK(queue.queued() == 0);
}

TEST_CASE("webhook: a failing event holds the queue until it is retried, then order holds") {
    test::TestServer server;
    server.respond(test::httpResponse(503));
    boost::asio::io_context io;
    notify::WebhookQueue queue(io, targetAt(server.port()));
    queue.push(R"({"n":1})");
    queue.push(R"({"n":2})");
    REQUIRE(runUntil(
        io, [&] { return queue.counts().failed_attempts == 1; }, milliseconds(2000)));
    CHECK(server.connections == 1);  // the second waits behind the first
    server.respond(test::httpResponse(200));
    REQUIRE(runUntil(
        io, [&] { return queue.counts().delivered == 2; }, milliseconds(4000)));
    CHECK(server.lastRequest().find(R"({"n":2})") != std::string::npos);
}

TEST_CASE("webhook: a hanging or absent webhook times out without holding the loop") {
    test::TestServer server;
    server.behaviour = test::Behaviour::Hang;
    boost::asio::io_context io;
    notify::WebhookQueue hanging(io, targetAt(server.port(), 0.2, 0));
    notify::WebhookQueue absent(io, targetAt(test::closedPort(), 0.2, 0));
    boost::asio::steady_timer ticker(io);
    int ticks = 0;
    std::function<void()> tick = [&] {
        ++ticks;
        ticker.expires_after(milliseconds(10));
        ticker.async_wait([&](boost::system::error_code e) {
            if (!e) {
                tick();
            }
        });
    };
    tick();
    auto start = steady_clock::now();
    hanging.push("{}");
    absent.push("{}");
    REQUIRE(runUntil(
        io, [&] { return hanging.counts().dropped == 1 && absent.counts().dropped == 1; },
        milliseconds(3000)));
    CHECK(steady_clock::now() - start < milliseconds(1500));
    CHECK(ticks >= 10);  // the loop kept turning while the webhook hung
    ticker.cancel();
}

TEST_CASE("webhook: a full queue drops its oldest waiting event, never the one in flight") {
    test::TestServer server;
    server.behaviour = test::Behaviour::Hang;
    boost::asio::io_context io;
    notify::WebhookQueue queue(io, targetAt(server.port(), 5));
    for (size_t i = 0; i < notify::WebhookQueue::kMaxQueued + 5; ++i) {
        queue.push("{}");
    }
    CHECK(queue.queued() == notify::WebhookQueue::kMaxQueued);
    CHECK(queue.counts().dropped == 5);
}

TEST_CASE("notifier: every webhook gets each event with the node and a rising sequence") {
    test::TestServer one, two;
    boost::asio::io_context io;
    conf::Settings settings;
    settings.node_name = "node-x";
    settings.notify = {targetAt(one.port()), targetAt(two.port())};
    notify::Notifier notifier(io, settings);
    notifier.publish({"member-state", "web", "a", "10.0.0.1", "up", "down", "timeout", 1000});
    notifier.publish({"failover", "web", "", "", "a 10.0.0.1", "b 10.0.0.2", "", 1001});
    REQUIRE(runUntil(
        io,
        [&] {
            return notifier.queues()[0]->counts().delivered == 2 &&
                   notifier.queues()[1]->counts().delivered == 2;
        },
        milliseconds(3000)));
    std::vector<uint64_t> sequences;
    for (auto* server : {&one, &two}) {
        std::string r = server->lastRequest();
        auto body = nlohmann::json::parse(r.substr(r.find("\r\n\r\n") + 4));
        CHECK(body["what"] == "failover");
        CHECK(body["node"] == "node-x");
        CHECK(body["old"] == "a 10.0.0.1");
        CHECK(body["time"] == "1970-01-01T00:00:01Z");
        CHECK(body["time_ms"] == 1001);
        sequences.push_back(body["sequence"]);
    }
    CHECK(sequences[0] == sequences[1]);  // one event, one number, for every webhook
    CHECK(sequences[0] >= 2);
    CHECK(notifier.sameTargets(settings));
    settings.notify.pop_back();
    CHECK_FALSE(notifier.sameTargets(settings));
}
