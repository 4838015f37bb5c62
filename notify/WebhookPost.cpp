#include "notify/WebhookPost.hpp"

namespace pharos::notify {
namespace {

namespace http = boost::beast::http;

std::string whyNot(const net::HttpResult& r, const std::string& host) {
    if (r.ok()) {
        return "HTTP status " + std::to_string(r.status());
    }
    return net::failureText(
        r, host, {"no answer within the timeout", "no answer within the timeout", "no response: "});
}

}  // namespace

net::HttpClient webhookClient(boost::asio::io_context& io, const conf::WebhookTarget& target) {
    if (target.scheme != "https") {
        return net::HttpClient(io, nullptr);
    }
    net::TlsSettings tls;
    tls.verify = target.verify_tls;
    tls.ca_file = target.ca_file;
    return net::HttpClient(io, std::make_shared<net::TlsContext>(tls));
}

net::HttpOptions webhookReplyOptions(const conf::WebhookTarget& target) {
    net::HttpOptions options;
    options.timeout = std::chrono::milliseconds(int64_t(target.timeout.count() * 1000));
    // The status is the whole verdict: a body (of any size, or one that never ends) must not
    // turn a delivery into a retry, which would send the event twice.
    options.read = net::HttpRead::Header;
    // The bounds Beast's defaults and its 4 KiB read buffer always set: a Content-Length past
    // 8 MiB is refused at the header.
    options.header_limit = 4 * 1024;
    options.body_limit = 8 * 1024 * 1024;
    return options;
}

PostResult postVerdict(const net::HttpResult& r, const std::string& host) {
    unsigned status = r.ok() ? r.status() : 0;
    return {status >= 200 && status < 300, whyNot(r, host)};
}

void postWebhook(const net::HttpClient& client, const conf::WebhookTarget& target, std::string body,
                 PostDone done) {
    net::HttpTarget to{target.host, target.port, ""};
    auto request = client.request(http::verb::post, target.target, to);
    request.set(http::field::content_type, "application/json");
    request.set(http::field::connection, "close");
    request.body() = std::move(body);
    request.prepare_payload();
    client.exchange(to, std::move(request), webhookReplyOptions(target),
                    [host = target.host, done = std::move(done)](net::HttpResult& r) {
                        done(postVerdict(r, host));
                    });
}

}  // namespace pharos::notify
