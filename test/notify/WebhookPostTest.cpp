// One delivery attempt (notify::postWebhook) against loopback receivers started here: what is
// sent, and what each way of failing is called in the log.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "notify/WebhookPost.hpp"
#include "test/health/TestServers.hpp"
#include "test/net/LocalServer.hpp"

using namespace pharos;
using std::chrono::milliseconds;
using test::LocalServer;
using test::Peer;

namespace {

conf::WebhookTarget targetAt(const std::string& host, uint16_t port, double timeout = 2) {
    conf::WebhookTarget t;
    t.scheme = "http";
    t.host = host;
    t.port = port;
    t.target = "/hook?token=x";
    t.timeout = conf::Seconds(timeout);
    return t;
}

struct Attempt {
    int calls = 0;
    notify::PostResult result;
    double seconds = 0;
};

Attempt post(const conf::WebhookTarget& target, const std::string& body = R"({"what":"test"})") {
    boost::asio::io_context io;
    auto client = notify::webhookClient(io, target);
    Attempt a;
    auto start = std::chrono::steady_clock::now();
    notify::postWebhook(client, target, body, [&](const notify::PostResult& r) {
        ++a.calls;
        a.result = r;
        a.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    });
    io.run();
    REQUIRE(a.calls == 1);
    return a;
}

LocalServer::Script answer(std::string text) {
    return [text](Peer& p) {
        p.readRequest();
        p.write(text);
    };
}

}  // namespace

TEST_CASE("webhook post: a JSON POST to the target's path; a 2xx delivers it") {
    LocalServer receiver(answer(test::response(204)));
    auto a = post(targetAt("127.0.0.1", receiver.port()), R"({"what":"failover"})");
    CHECK(a.result.delivered);
    CHECK(a.result.why == "HTTP status 204");
    std::string request = receiver.lastRequest();
    CHECK_THAT(request, Catch::StartsWith("POST /hook?token=x HTTP/1.1\r\n"));
    CHECK_THAT(request,
               Catch::Contains("Host: 127.0.0.1:" + std::to_string(receiver.port()) + "\r\n"));
    CHECK_THAT(request, Catch::Contains("Content-Type: application/json\r\n"));
    CHECK_THAT(request, Catch::Contains("Connection: close\r\n"));
    CHECK_THAT(request, Catch::Contains("Content-Length: 19\r\n"));
    CHECK_THAT(request, Catch::EndsWith("\r\n\r\n{\"what\":\"failover\"}"));
}

TEST_CASE("webhook post: the status is the verdict, whatever the body does") {
    LocalServer refuses(answer(test::response(500, "no")));
    auto failed = post(targetAt("127.0.0.1", refuses.port()));
    CHECK_FALSE(failed.result.delivered);
    CHECK(failed.result.why == "HTTP status 500");

    // A 200 whose body never comes is delivered at once: reading on could only send it twice.
    LocalServer endless([](Peer& p) {
        p.readRequest();
        p.write("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\npartial");
        p.waitFor([] { return false; });
    });
    auto delivered = post(targetAt("127.0.0.1", endless.port()));
    CHECK(delivered.result.delivered);
    CHECK(delivered.seconds < 1);
}

TEST_CASE("webhook post: timeouts, refusals, resets and names that do not resolve") {
    LocalServer hangs([](Peer& p) {
        p.readRequest();
        p.waitFor([] { return false; });
    });
    auto hung = post(targetAt("127.0.0.1", hangs.port(), 0.3));
    CHECK_FALSE(hung.result.delivered);
    CHECK(hung.result.why == "no answer within the timeout");
    CHECK(hung.seconds >= 0.29);
    CHECK(hung.seconds < 1);

    auto refused = post(targetAt("127.0.0.1", test::closedPort()));
    CHECK(refused.result.why == "cannot connect: Connection refused");

    LocalServer resets([](Peer& p) {
        p.readRequest();
        p.reset();
    });
    auto reset = post(targetAt("127.0.0.1", resets.port()));
    CHECK_FALSE(reset.result.delivered);
    CHECK(reset.result.why == "no response: Connection reset by peer");

    auto nowhere = post(targetAt("nothing.invalid", 80, 5));
    CHECK_FALSE(nowhere.result.delivered);
    CHECK_THAT(nowhere.result.why, Catch::StartsWith("cannot resolve nothing.invalid: "));
}

TEST_CASE("webhook post: IPv6 literals go in brackets in Host") {
    LocalServer receiver(answer(test::response(200)), nullptr, "::1");
    auto a = post(targetAt("::1", receiver.port()));
    CHECK(a.result.delivered);
    CHECK_THAT(receiver.lastRequest(),
               Catch::Contains("Host: [::1]:" + std::to_string(receiver.port()) + "\r\n"));
}

TEST_CASE("webhook post: https verifies the receiver's certificate unless told not to") {
    test::SelfSigned cert("localhost");
    LocalServer receiver(answer(test::response(202)), &cert);
    std::string ca = (std::filesystem::temp_directory_path() /
                      ("pharos-webhook-test-ca-" + std::to_string(getpid()) + ".pem"))
                         .string();
    std::ofstream(ca) << cert.cert_pem;
    auto target = targetAt("localhost", receiver.port());
    target.scheme = "https";
    target.ca_file = ca;
    auto trusted = post(target);
    CHECK(trusted.result.delivered);
    CHECK(receiver.lastSni() == "localhost");

    target.ca_file = "";  // the system store does not know this certificate
    auto untrusted = post(target);
    CHECK_FALSE(untrusted.result.delivered);
    CHECK_THAT(untrusted.result.why, Catch::StartsWith("TLS: "));

    target.verify_tls = false;
    CHECK(post(target).result.delivered);

    target.verify_tls = true;
    target.ca_file = "/nonexistent/ca.pem";
    boost::asio::io_context io;
    CHECK_THROWS(notify::webhookClient(io, target));
    std::filesystem::remove(ca);
}
