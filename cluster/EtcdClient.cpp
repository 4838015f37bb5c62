#include "cluster/EtcdClient.hpp"

#include <algorithm>

#include "cluster/Base64.hpp"
#include "cluster/EtcdJson.hpp"
#include "cluster/EtcdReplies.hpp"

namespace pharos::cluster {
namespace {

namespace http = boost::beast::http;
using nlohmann::json;

std::shared_ptr<net::TlsContext> tlsFor(const conf::ClusterSettings& s) {
    bool https = std::any_of(s.etcd.begin(), s.etcd.end(),
                             [](const conf::EtcdEndpoint& e) { return e.scheme == "https"; });
    if (!https) {
        return nullptr;
    }
    net::TlsSettings tls;
    tls.verify = true;
    tls.ca_file = s.ca_file;
    tls.cert_file = s.cert_file;
    tls.key_file = s.key_file;
    tls.name = "cluster.tls";
    return std::make_shared<net::TlsContext>(tls);
}

// One watch: the messages split out of the stream, and the reason this side ended it.
struct WatchState {
    StreamMessage on_message;
    StreamEnded ended;
    WatchStreamSplitter splitter;
    std::string why;  // set: this side ended the watch
    std::weak_ptr<net::HttpExchange> exchange;

    void end(std::string reason) {
        if (!why.empty()) {
            return;
        }
        why = std::move(reason);
        if (auto e = exchange.lock()) {
            e->cancel();
        }
    }

    // Each message is one chunk, or several.
    void take(std::string_view piece) {
        if (!why.empty()) {
            return;
        }
        std::string reason = splitter.take(piece, [this](const json& message) {
            on_message(message);
            return why.empty();
        });
        if (!reason.empty()) {
            end(std::move(reason));
        }
    }
};

class Watch final : public StreamHandle {
  public:
    Watch(std::shared_ptr<WatchState> state, std::shared_ptr<net::HttpExchange> exchange)
        : state_(std::move(state)), exchange_(std::move(exchange)) {}
    void cancel() override { state_->end("cancelled"); }

  private:
    std::shared_ptr<WatchState> state_;
    std::shared_ptr<net::HttpExchange> exchange_;
};

}  // namespace

EtcdClient::EtcdClient(boost::asio::io_context& io, const conf::ClusterSettings& settings)
    : http_(io, tlsFor(settings)) {}

net::HttpOptions EtcdClient::callOptions() {
    net::HttpOptions options;
    options.timeout = kCallTimeout;
    options.body_limit = std::nullopt;
    return options;
}

net::HttpRequest EtcdClient::post(const net::HttpTarget& to, const std::string& path,
                                  const json& body) const {
    auto request = http_.request(http::verb::post, path, to);
    request.set(http::field::content_type, "application/json");
    request.body() = body.dump();
    request.prepare_payload();
    return request;
}

void EtcdClient::call(const Endpoint& at, const std::string& path, const json& body,
                      CallDone done) const {
    net::HttpTarget to{at.host, at.port, ""};
    http_.exchange(
        to, post(to, path, body), callOptions(), [host = at.host, done = std::move(done)](auto& r) {
            if (!r.ok()) {
                return done(
                    net::failureText(r, host,
                                     {"no answer within the timeout", "cancelled", "no answer: "}),
                    json());
            }
            EtcdCallReply read = readCallReply(r.status(), r.response.body());
            done(read.error, read.reply);
        });
}

void EtcdClient::grant(const Endpoint& at, int64_t ttl_seconds, CallDone done) const {
    call(at, "/v3/lease/grant", {{"TTL", ttl_seconds}}, std::move(done));
}

void EtcdClient::keepAlive(const Endpoint& at, const std::string& lease, CallDone done) const {
    call(at, "/v3/lease/keepalive", {{"ID", lease}}, std::move(done));
}

void EtcdClient::range(const Endpoint& at, const std::string& key, KeySpan span, bool count_only,
                       CallDone done) const {
    json body = {{"key", toBase64(key)}};
    if (span == KeySpan::Prefix) {
        body["range_end"] = toBase64(prefixEnd(key));
    }
    if (count_only) {
        body["count_only"] = true;
    }
    call(at, "/v3/kv/range", body, std::move(done));
}

void EtcdClient::put(const Endpoint& at, const std::string& key, const std::string& value,
                     const std::string& lease, CallDone done) const {
    json body = {{"key", toBase64(key)}, {"value", toBase64(value)}};
    if (!lease.empty()) {
        body["lease"] = lease;
    }
    call(at, "/v3/kv/put", body, std::move(done));
}

void EtcdClient::txn(const Endpoint& at, const EtcdTxn& txn, CallDone done) const {
    json body = json::object();
    for (const auto& key : txn.if_absent) {
        body["compare"].push_back(
            {{"key", toBase64(key)}, {"target", "CREATE"}, {"create_revision", "0"}});
    }
    json& success = body["success"] = json::array();
    for (const auto& w : txn.writes) {
        if (w.value) {
            success.push_back(
                {{"request_put", {{"key", toBase64(w.key)}, {"value", toBase64(*w.value)}}}});
        } else {
            success.push_back({{"request_delete_range", {{"key", toBase64(w.key)}}}});
        }
    }
    call(at, "/v3/kv/txn", body, std::move(done));
}

std::shared_ptr<StreamHandle> EtcdClient::watch(const Endpoint& at, const std::string& prefix,
                                                int64_t start_revision, StreamMessage on_message,
                                                StreamEnded ended) const {
    json create = {{"create_request",
                    {{"key", toBase64(prefix)},
                     {"range_end", toBase64(prefixEnd(prefix))},
                     {"start_revision", std::to_string(start_revision)}}}};
    auto state = std::make_shared<WatchState>();
    state->on_message = std::move(on_message);
    state->ended = std::move(ended);
    net::HttpStreamHandlers handlers;
    handlers.header = [state](const net::HttpResponse& head) {
        if (head.result_int() != 200) {
            state->end("HTTP " + std::to_string(head.result_int()));
        }
    };
    handlers.body = [state](std::string_view piece) { state->take(piece); };
    net::HttpTarget to{at.host, at.port, ""};
    auto exchange = http_.stream(
        to, post(to, "/v3/watch", create), kWatchAnswerTimeout, std::move(handlers),
        [state, host = at.host](net::HttpResult& r) {
            std::string why =
                !state->why.empty() ? state->why
                : r.ok()            ? "watch ended"
                                    : net::failureText(
                                          r, host, {"no answer to the watch", "cancelled", "watch ended: "});
            state->on_message = nullptr;
            std::exchange(state->ended, nullptr)(why);
        });
    state->exchange = exchange;
    return std::make_shared<Watch>(state, exchange);
}

}  // namespace pharos::cluster
