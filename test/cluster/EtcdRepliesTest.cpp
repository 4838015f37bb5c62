#include <catch2/catch.hpp>

#include "cluster/Base64.hpp"
#include "cluster/EtcdReplies.hpp"

using namespace pharos::cluster;
using nlohmann::json;

namespace {

json parse(const std::string& text) {
    return json::parse(text);
}

std::string b64(const std::string& bytes) {
    return toBase64(bytes);
}

}  // namespace

TEST_CASE("etcd replies: a call's status and body") {
    auto ok = readCallReply(200, R"({"header":{"revision":"7"}})");
    CHECK(ok.error.empty());
    CHECK(readRevision(ok.reply) == 7);
    CHECK(readCallReply(200, "not json").error == "HTTP 200");
    auto refused = readCallReply(503, R"({"error":"etcdserver: no leader","code":14})");
    CHECK(refused.error == "HTTP 503: etcdserver: no leader");
    CHECK(refused.reply.is_null());
    CHECK(readCallReply(404, "").error == "HTTP 404");
}

// Found writing fuzz_EtcdReply: value("error", std::string()) threw for an error of another type,
// and the call's handler runs on the prober's loop, outside the link's guard.
TEST_CASE("etcd replies: an error that is not a string is left out, never thrown") {
    CHECK(readCallReply(500, R"({"error":5})").error == "HTTP 500");
    CHECK(readCallReply(500, R"({"error":{"grpc_code":14}})").error == "HTTP 500");
    CHECK(readCallReply(500, R"([1,2])").error == "HTTP 500");
}

TEST_CASE("etcd replies: a watch stream split into its messages") {
    WatchStreamSplitter splitter;
    std::vector<json> got;
    auto keep = [&](const json& m) {
        got.push_back(m);
        return true;
    };
    CHECK(splitter.take(R"({"result":{"created")", keep).empty());
    CHECK(got.empty());
    CHECK(splitter
              .take(""
                    R"(:true}})"
                    "\n{\"a\":1}\n{\"b\"",
                    keep)
              .empty());
    REQUIRE(got.size() == 2);
    CHECK(got[0]["result"]["created"] == true);
    CHECK(got[1]["a"] == 1);
    CHECK(splitter.take(":2}\n", keep).empty());
    CHECK(got.size() == 3);
    CHECK(splitter.take("{broken\n{\"c\":3}\n", keep) == "malformed watch message");
    CHECK(got.size() == 3);

    WatchStreamSplitter stopping;
    int seen = 0;
    CHECK(stopping.take("{}\n{}\n{}\n", [&](const json&) { return ++seen < 2; }).empty());
    CHECK(seen == 2);
}

TEST_CASE("etcd replies: lease grant and keepalive") {
    auto granted = readLeaseGrant(parse(R"({"header":{},"ID":"7587848803179124741","TTL":"5"})"));
    CHECK_FALSE(granted.refusal);
    CHECK(granted.id == "7587848803179124741");
    CHECK(readLeaseGrant(parse(R"({"error":"etcdserver: too many requests"})")).refusal ==
          "etcdserver: too many requests");
    CHECK(readLeaseGrant(parse(R"({"ID":"1","TTL":"0"})")).refusal == "refused");

    auto renewed = readKeepAlive(parse(R"({"result":{"ID":"1","TTL":"5"}})"));
    CHECK_FALSE(renewed.error);
    CHECK_FALSE(renewed.expired);
    CHECK(readKeepAlive(parse(R"({"result":{"ID":"1"}})")).expired);
    auto no_leader = readKeepAlive(parse(R"({"error":{"grpc_code":14,"message":"no leader"}})"));
    CHECK(no_leader.error == R"(keepalive: {"grpc_code":14,"message":"no leader"})");
    // Not an object: a field of another type, which the link takes as a lost link.
    CHECK_THROWS_AS(readKeepAlive(parse("[1]")), json::exception);
}

TEST_CASE("etcd replies: range and txn") {
    auto range = readRange(parse(R"({"header":{"revision":"12"},"kvs":[)"
                                 R"({"key":")" +
                                 b64("/p/initialized") + R"(","value":")" + b64("{}") +
                                 R"(","mod_revision":"3"},)"
                                 R"({"key":"%%%","value":""}],"count":"2"})"));
    CHECK(range.revision == 12);
    REQUIRE(range.kvs.size() == 2);
    CHECK(range.kvs[0].key == "/p/initialized");
    CHECK(range.kvs[0].value == "{}");
    CHECK(range.kvs[0].mod_revision == 3);
    CHECK_FALSE(range.kvs[1].key);  // not base64
    CHECK(readRange(parse(R"({"header":{"revision":"1"}})")).kvs.empty());
    CHECK_THROWS_AS(readRange(parse(R"({"kvs":[{"key":7}]})")), json::exception);

    CHECK(readTxnSucceeded(parse(R"({"header":{},"succeeded":true})")));
    CHECK_FALSE(readTxnSucceeded(parse(R"({"header":{}})")));
}

TEST_CASE("etcd replies: watch messages") {
    CHECK(readWatchMessage(parse(R"({"result":{"header":{},"created":true}})")).kind ==
          WatchAnswer::Created);
    auto events = readWatchMessage(parse(
        R"({"result":{"header":{"revision":"9"},"events":[{"kv":{"key":")" + b64("/p/a") +
        R"(","value":")" + b64("1") + R"(","mod_revision":"8"}},{"type":"DELETE","kv":{"key":")" +
        b64("/p/b") + R"(","mod_revision":"9"}}]}})"));
    CHECK(events.kind == WatchAnswer::Events);
    CHECK(events.revision == 9);
    REQUIRE(events.events.size() == 2);
    CHECK(events.events[0].key == "/p/a");
    CHECK(events.events[0].value == "1");
    CHECK_FALSE(events.events[0].deleted);
    CHECK(events.events[1].deleted);
    CHECK(events.events[1].mod_revision == 9);

    auto compacted = readWatchMessage(parse(
        R"({"result":{"canceled":true,"compact_revision":"3","cancel_reason":"compacted"}})"));
    CHECK(compacted.kind == WatchAnswer::Compacted);
    CHECK(compacted.why == "compacted");
    CHECK(readWatchMessage(parse(R"({"result":{"canceled":true}})")).kind ==
          WatchAnswer::Cancelled);
    auto error = readWatchMessage(parse(R"({"error":{"message":"no leader"}})"));
    CHECK(error.kind == WatchAnswer::Error);
    CHECK(error.why == R"({"message":"no leader"})");
}
