#include "health/checks/HttpMonitor.hpp"

#include <algorithm>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "health/checks/ProbeSession.hpp"

namespace pharos::health {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// One check: connect, [TLS handshake], write the request, read the response, judge it.
template <typename Stream>
class HttpProbe : public std::enable_shared_from_this<HttpProbe<Stream>> {
  public:
    template <typename... StreamArgs>
    HttpProbe(asio::io_context& io, std::shared_ptr<const HttpResponseJudge> judge, ProbeDone done,
              std::shared_ptr<TlsSessions> sessions, StreamArgs&&... args)
        : stream_(std::forward<StreamArgs>(args)...),
          judge_(std::move(judge)),
          params_(judge_->params()),
          deadline_(io, std::move(done)),
          sessions_(std::move(sessions)) {}

    void start(const ProbeTarget& target, std::chrono::milliseconds timeout) {
        auto self = this->shared_from_this();
        deadline_.arm(timeout, [self] { self->close(); });
        bool head = params_.method == conf::HttpMethod::Head;
        request_.method(head ? http::verb::head : http::verb::get);
        request_.target(params_.url_path);
        request_.version(11);
        request_.set(http::field::host, target.host);
        request_.set(http::field::user_agent, "pharos-health");
        request_.set(http::field::connection, "close");
        for (const auto& header : params_.headers) {
            request_.set(header.name, header.value);
        }
        parser_.skip(head);  // a HEAD response announces a length it does not send
        if constexpr (kTls) {
            if (!target.sni.empty()) {
                SSL_set_tlsext_host_name(stream_.native_handle(), target.sni.c_str());
            }
            if (sessions_) {
                session_key_ = {target.address, target.port};
                if (SSL_SESSION* session = sessions_->find(session_key_)) {
                    SSL_set_session(stream_.native_handle(), session);
                }
            }
            if (params_.verify_tls) {
                stream_.set_verify_callback(asio::ssl::host_name_verification(
                    target.sni.empty() ? target.address.to_string() : target.sni));
            }
        }
        boost::beast::get_lowest_layer(stream_).async_connect(
            tcp::endpoint(target.address, target.port),
            [self](const error_code& e) { self->onConnect(e); });
    }

  private:
    static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket>;

    void close() {
        error_code ignored;
        boost::beast::get_lowest_layer(stream_).close(ignored);
    }
    void fail(state::FailureReason reason, uint16_t detail = 0) {
        deadline_.finish(false, reason, detail);
        close();
    }

    void onConnect(const error_code& e) {
        if (deadline_.finished()) {
            return;
        }
        if (e) {
            return fail(connectFailure(e));
        }
        auto self = this->shared_from_this();
        if constexpr (kTls) {
            stream_.async_handshake(asio::ssl::stream_base::client, [self](const error_code& e) {
                if (!self->deadline_.finished()) {
                    e ? self->fail(state::FailureReason::TlsError) : self->send();
                }
            });
        } else {
            send();
        }
    }

    void send() {
        auto self = this->shared_from_this();
        http::async_write(stream_, request_, [self](const error_code& e, size_t) {
            if (self->deadline_.finished()) {
                return;
            }
            e ? self->fail(state::FailureReason::SendError) : self->receive();
        });
    }

    void receive() {
        parser_.body_limit(kMaxHttpBody);
        parser_.header_limit(kMaxHttpHeader);
        auto self = this->shared_from_this();
        http::async_read_header(stream_, buffer_, parser_, [self](const error_code& e, size_t) {
            !self->params_.readsBody() || e ? self->onResponse(e) : self->receiveBody();
        });
    }

    // Beast 1.74 does not apply body_limit to a Content-Length body, so the bound is checked
    // here before reading: the prober's memory never follows what a member sends.
    void receiveBody() {
        if (deadline_.finished()) {
            return;
        }
        auto length = parser_.content_length();
        if (length && *length > kMaxHttpBody) {
            return fail(state::FailureReason::Malformed);
        }
        auto self = this->shared_from_this();
        http::async_read(stream_, buffer_, parser_,
                         [self](const error_code& e, size_t) { self->onResponse(e); });
    }

    void onResponse(const error_code& e) {
        if (deadline_.finished()) {
            return;
        }
        if (e) {
            bool closed = e == http::error::end_of_stream || e == asio::error::eof ||
                          e == asio::error::connection_reset || e == http::error::partial_message;
            return fail(closed ? state::FailureReason::ClosedEarly
                               : state::FailureReason::Malformed);
        }
        ProbeFailure verdict = judge_->judge(parser_.get().result_int(), parser_.get().body());
        if (verdict.reason != state::FailureReason::None) {
            return fail(verdict.reason, verdict.detail);
        }
        if constexpr (kTls) {
            // Read after the response, when TLS 1.3 has delivered its session ticket. The
            // connection ends without a close_notify (as Polaris's checks end); marked shut
            // down cleanly, OpenSSL does not flag the session unresumable when it is freed.
            if (sessions_) {
                SSL* ssl = stream_.native_handle();
                SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
                sessions_->keep(session_key_, SSL_get1_session(ssl));
            }
        }
        deadline_.finish(true, state::FailureReason::None);
        close();
    }

    Stream stream_;
    std::shared_ptr<const HttpResponseJudge> judge_;  // outlives a reload that drops the monitor
    const conf::HttpParams& params_;
    ProbeDeadline deadline_;
    http::request<http::empty_body> request_;
    http::response_parser<http::string_body> parser_;
    boost::beast::flat_buffer buffer_{8192};
    std::shared_ptr<TlsSessions> sessions_;
    TlsSessions::Key session_key_;
};

}  // namespace

SSL_SESSION* TlsSessions::find(const Key& key) const {
    auto it = sessions_.find(key);
    return it == sessions_.end() ? nullptr : it->second.get();
}

void TlsSessions::keep(const Key& key, SSL_SESSION* session) {
    if (!session || !SSL_SESSION_is_resumable(session)) {
        SSL_SESSION_free(session);
        return;
    }
    sessions_[key].reset(session);
}

HttpMonitor::HttpMonitor(asio::io_context& io, const conf::HttpParams& params)
    : io_(io), judge_(std::make_shared<const HttpResponseJudge>(params)) {
    if (!params.use_ssl) {
        return;
    }
    tls_ = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    if (params.tls_session_reuse) {
        sessions_ = std::make_shared<TlsSessions>();
    }
    if (params.verify_tls) {
        tls_->set_verify_mode(asio::ssl::verify_peer);
        if (params.ca_file.empty()) {
            tls_->set_default_verify_paths();
        } else {
            tls_->load_verify_file(params.ca_file);
        }
    } else {
        tls_->set_verify_mode(asio::ssl::verify_none);
    }
}

void HttpMonitor::probe(const ProbeTarget& target, std::chrono::milliseconds timeout,
                        ProbeDone done) {
    if (tls_) {
        using TlsStream = asio::ssl::stream<tcp::socket>;
        std::make_shared<HttpProbe<TlsStream>>(io_, judge_, std::move(done), sessions_, io_, *tls_)
            ->start(target, timeout);
    } else {
        std::make_shared<HttpProbe<tcp::socket>>(io_, judge_, std::move(done), nullptr, io_)
            ->start(target, timeout);
    }
}

}  // namespace pharos::health
