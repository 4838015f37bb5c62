// cluster::EtcdClient against a real etcd started on loopback (test/cluster/LocalEtcd.hpp): each
// typed call as etcd's JSON gateway answers it, the watch, and the errors.
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>

#include "cluster/Base64.hpp"
#include "cluster/EtcdClient.hpp"
#include "test/cluster/LocalEtcd.hpp"
#include "test/health/TestServers.hpp"

using namespace pharos;
using cluster::KeySpan;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

test::LocalEtcd& etcd() {
    static test::LocalEtcd instance;  // one for every case: etcd takes a while to start
    return instance;
}

struct Reply {
    int calls = 0;
    std::string error;
    json body;
};

// Runs one call to its end.
template <typename Call>
Reply sync(boost::asio::io_context& io, Call call) {
    Reply r;
    call([&](const std::string& error, const json& body) {
        ++r.calls;
        r.error = error;
        r.body = body;
    });
    io.run();
    io.restart();
    REQUIRE(r.calls == 1);
    return r;
}

// The gateway writes 64-bit numbers as strings.
int64_t number(const json& j) {
    return j.is_string() ? std::stoll(j.get<std::string>()) : j.get<int64_t>();
}

std::string text(const json& kv, const char* field) {
    return cluster::fromBase64(kv.value(field, std::string())).value_or("?");
}

template <typename Done>
bool runUntil(boost::asio::io_context& io, Done done, milliseconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < end) {
        io.run_for(milliseconds(10));
        io.restart();
    }
    return done();
}

}  // namespace

TEST_CASE("etcd client: a lease, a put under it, reads by prefix and by key, a keepalive") {
    boost::asio::io_context io;
    cluster::EtcdClient client(io, etcd().settings());
    auto at = etcd().endpoint();
    auto granted = sync(io, [&](auto done) { client.grant(at, 5, done); });
    REQUIRE(granted.error == "");
    CHECK(number(granted.body["TTL"]) == 5);
    std::string lease = std::to_string(number(granted.body["ID"]));

    CHECK(sync(io, [&](auto done) { client.put(at, "/a/votes/n1", "one", lease, done); }).error ==
          "");
    CHECK(sync(io, [&](auto done) { client.put(at, "/a/state/x", "two", "", done); }).error == "");
    CHECK(sync(io, [&](auto done) { client.put(at, "/b/other", "three", "", done); }).error == "");

    auto all = sync(io, [&](auto done) { client.range(at, "/a/", KeySpan::Prefix, false, done); });
    REQUIRE(all.error == "");
    REQUIRE(all.body["kvs"].size() == 2);  // /b/ is not under /a/
    CHECK(text(all.body["kvs"][0], "key") == "/a/state/x");
    CHECK(text(all.body["kvs"][0], "value") == "two");
    CHECK(text(all.body["kvs"][1], "key") == "/a/votes/n1");
    CHECK(text(all.body["kvs"][1], "value") == "one");
    CHECK(std::to_string(number(all.body["kvs"][1]["lease"])) == lease);
    CHECK(number(all.body["header"]["revision"]) > 0);

    auto one = sync(io, [&](auto done) { client.range(at, "/a/", KeySpan::One, false, done); });
    CHECK(one.error == "");
    CHECK_FALSE(one.body.contains("kvs"));  // no key is exactly "/a/"
    auto counted =
        sync(io, [&](auto done) { client.range(at, "/a/votes/n1", KeySpan::One, true, done); });
    CHECK(number(counted.body["count"]) == 1);
    CHECK_FALSE(counted.body.contains("kvs"));

    auto renewed = sync(io, [&](auto done) { client.keepAlive(at, lease, done); });
    REQUIRE(renewed.error == "");
    CHECK(number(renewed.body["result"]["TTL"]) == 5);
}

TEST_CASE("etcd client: a read larger than one segment of the connection") {
    // Beast 1.74 took "no body limit" for a limit below every Content-Length, which a reply
    // that did not arrive in one read ran into.
    boost::asio::io_context io;
    cluster::EtcdClient client(io, etcd().settings());
    auto at = etcd().endpoint();
    std::string value(200 * 1024, 'v');
    for (int i = 0; i < 5; ++i) {
        auto key = "/big/" + std::to_string(i);
        REQUIRE(sync(io, [&](auto done) { client.put(at, key, value, "", done); }).error == "");
    }
    auto all =
        sync(io, [&](auto done) { client.range(at, "/big/", KeySpan::Prefix, false, done); });
    REQUIRE(all.error == "");
    REQUIRE(all.body["kvs"].size() == 5);
    CHECK(text(all.body["kvs"][4], "value") == value);
}

TEST_CASE("etcd client: a transaction writes only while its keys are absent; deletes") {
    boost::asio::io_context io;
    cluster::EtcdClient client(io, etcd().settings());
    auto at = etcd().endpoint();
    cluster::EtcdTxn first{{"/t/init"}, {{"/t/init", "first"}, {"/t/k1", "v1"}}};
    auto won = sync(io, [&](auto done) { client.txn(at, first, done); });
    REQUIRE(won.error == "");
    CHECK(won.body.value("succeeded", false));
    cluster::EtcdTxn second{{"/t/init"}, {{"/t/init", "second"}}};
    auto lost = sync(io, [&](auto done) { client.txn(at, second, done); });
    REQUIRE(lost.error == "");
    CHECK_FALSE(lost.body.value("succeeded", false));

    cluster::EtcdTxn writes{{}, {{"/t/k1", std::nullopt}, {"/t/k2", "v2"}}};
    CHECK(
        sync(io, [&](auto done) { client.txn(at, writes, done); }).body.value("succeeded", false));
    auto kvs = sync(io, [&](auto done) {
                   client.range(at, "/t/", KeySpan::Prefix, false, done);
               }).body["kvs"];
    REQUIRE(kvs.size() == 2);
    CHECK(text(kvs[0], "key") == "/t/init");
    CHECK(text(kvs[0], "value") == "first");
    CHECK(text(kvs[1], "key") == "/t/k2");
}

TEST_CASE("etcd client: a watch brings the events under its prefix as they happen") {
    boost::asio::io_context io;
    cluster::EtcdClient client(io, etcd().settings());
    auto at = etcd().endpoint();
    auto before = sync(io, [&](auto done) { client.put(at, "/w/early", "0", "", done); });
    int64_t from = number(before.body["header"]["revision"]);

    std::vector<std::string> seen;  // key=value of each event, in order
    bool created = false;
    std::optional<std::string> ended;
    auto watch = client.watch(
        at, "/w/", from,
        [&](const json& message) {
            const json& result = message["result"];
            created |= result.value("created", false);
            for (const auto& event : result.value("events", json::array())) {
                seen.push_back(text(event["kv"], "key") + "=" + text(event["kv"], "value"));
            }
        },
        [&](const std::string& why) { ended = why; });
    REQUIRE(runUntil(
        io, [&] { return seen.size() == 1; }, milliseconds(5000)));
    CHECK(created);
    CHECK(seen[0] == "/w/early=0");  // from the revision asked, before the watch began

    client.put(at, "/elsewhere", "x", "", [](const std::string&, const json&) {});
    client.put(at, "/w/late", "1", "", [](const std::string&, const json&) {});
    REQUIRE(runUntil(
        io, [&] { return seen.size() == 2; }, milliseconds(5000)));
    CHECK(seen[1] == "/w/late=1");
    CHECK_FALSE(ended);

    watch->cancel();
    REQUIRE(runUntil(
        io, [&] { return ended.has_value(); }, milliseconds(2000)));
    CHECK(*ended == "cancelled");
    client.put(at, "/w/after", "2", "", [](const std::string&, const json&) {});
    runUntil(
        io, [] { return false; }, milliseconds(300));
    CHECK(seen.size() == 2);
}

TEST_CASE("etcd client: what a call and a watch say when etcd cannot answer") {
    boost::asio::io_context io;
    cluster::EtcdClient client(io, etcd().settings());
    conf::EtcdEndpoint nowhere{"http://127.0.0.1", "http", "127.0.0.1", test::closedPort()};
    auto refused = sync(io, [&](auto done) { client.grant(nowhere, 5, done); });
    CHECK(refused.error == "cannot connect: Connection refused");
    CHECK(refused.body.is_null());

    std::optional<std::string> ended;
    auto watch = client.watch(
        nowhere, "/w/", 1, [](const json&) {}, [&](const std::string& why) { ended = why; });
    REQUIRE(runUntil(
        io, [&] { return ended.has_value(); }, milliseconds(3000)));
    CHECK(*ended == "cannot connect: Connection refused");

    // etcd's own refusal: a put under a lease it does not know.
    auto unknown =
        sync(io, [&](auto done) { client.put(etcd().endpoint(), "/e/k", "v", "123456789", done); });
    CHECK_THAT(unknown.error, Catch::StartsWith("HTTP 4"));
    CHECK_THAT(unknown.error, Catch::Contains("lease not found"));
    CHECK(unknown.body.is_null());
}
