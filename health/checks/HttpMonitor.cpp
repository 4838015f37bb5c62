#include "health/checks/HttpMonitor.hpp"

#include "health/checks/ProbeSession.hpp"

namespace pharos::health {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using state::FailureReason;

std::shared_ptr<net::TlsContext> tlsFor(const conf::HttpParams& params) {
    if (!params.use_ssl) {
        return nullptr;
    }
    net::TlsSettings tls;
    tls.verify = params.verify_tls;
    tls.ca_file = params.ca_file;
    return std::make_shared<net::TlsContext>(tls);
}

net::HttpRequest requestFor(const conf::HttpParams& params, const ProbeTarget& target) {
    bool head = params.method == conf::HttpMethod::Head;
    net::HttpRequest request(head ? http::verb::head : http::verb::get, params.url_path, 11);
    request.set(http::field::host, target.host);
    request.set(http::field::user_agent, "pharos-health");
    request.set(http::field::connection, "close");
    for (const auto& header : params.headers) {
        request.set(header.name, header.value);
    }
    return request;
}

FailureReason failureOf(const net::HttpResult& r) {
    switch (r.failure) {
        case net::HttpFailure::None:
            return FailureReason::None;
        case net::HttpFailure::Timeout:
            return FailureReason::Timeout;
        case net::HttpFailure::Connect:
            return connectFailure(r.error);
        case net::HttpFailure::Handshake:
            return FailureReason::TlsError;
        case net::HttpFailure::Send:
            return FailureReason::SendError;
        case net::HttpFailure::Receive: {
            const auto& e = r.error;
            bool closed = e == http::error::end_of_stream || e == asio::error::eof ||
                          e == asio::error::connection_reset || e == http::error::partial_message;
            return closed ? FailureReason::ClosedEarly : FailureReason::Malformed;
        }
        case net::HttpFailure::TooLarge:
            return FailureReason::Malformed;
        case net::HttpFailure::Resolve:  // a member's address is given, never resolved here
        case net::HttpFailure::Cancelled:
            break;
    }
    return FailureReason::ConnectError;
}

}  // namespace

SSL_SESSION* TlsSessions::find(const Key& key) const {
    auto it = sessions_.find(key);
    return it == sessions_.end() ? nullptr : it->second.get();
}

void TlsSessions::keep(const Key& key, net::TlsSession session) {
    if (session && SSL_SESSION_is_resumable(session.get())) {
        sessions_[key] = std::move(session);
    }
}

HttpMonitor::HttpMonitor(asio::io_context& io, const conf::HttpParams& params)
    : judge_(std::make_shared<const HttpResponseJudge>(params)), client_(io, tlsFor(params)) {
    if (params.use_ssl && params.tls_session_reuse) {
        sessions_ = std::make_shared<TlsSessions>();
    }
}

// One check: connect, [TLS handshake], write the request, read the response, judge it. The
// latency runs from here to the verdict, whichever way the check ends.
void HttpMonitor::probe(const ProbeTarget& target, std::chrono::milliseconds timeout,
                        ProbeDone done) {
    const conf::HttpParams& params = judge_->params();
    net::HttpOptions options;
    options.timeout = timeout;
    options.read = params.readsBody() ? net::HttpRead::Whole : net::HttpRead::Header;
    options.header_limit = kMaxHttpHeader;
    options.body_limit = kMaxHttpBody;
    TlsSessions::Key key{target.address, target.port};
    if (sessions_) {
        options.resume = sessions_->find(key);
    }
    auto start = std::chrono::steady_clock::now();
    client_.exchange({std::string(), target.port, target.sni, target.address},
                     requestFor(params, target), options,
                     [judge = judge_, sessions = sessions_, key, start,
                      done = std::move(done)](net::HttpResult& r) {
                         ProbeFailure verdict{failureOf(r), 0};
                         if (r.ok()) {
                             verdict = judge->judge(r.status(), r.response.body());
                         }
                         bool pass = verdict.reason == FailureReason::None;
                         if (pass && sessions) {
                             sessions->keep(key, r.takeSession());
                         }
                         auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::steady_clock::now() - start);
                         done(ProbeResult{pass, verdict.reason, uint32_t(us.count()),
                                          pass ? uint16_t(0) : verdict.detail});
                     });
}

}  // namespace pharos::health
