#include "net/HttpClient.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <type_traits>
#include <utility>
#include <vector>

#include "net/HttpReplyReader.hpp"
#include "net/ResolverThread.hpp"

namespace pharos::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

struct HttpResultAccess {
    static void bind(HttpResult& result, SSL* ssl) { result.ssl_ = ssl; }
};

TlsSession HttpResult::takeSession() const {
    if (!ssl_ || !ok()) {
        return nullptr;
    }
    // Read after the response, when TLS 1.3 has delivered its session ticket. The connection
    // ends without a close_notify; marked shut down cleanly, OpenSSL does not flag the session
    // unresumable when it is freed.
    SSL_set_shutdown(ssl_, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    return TlsSession(SSL_get1_session(ssl_));
}

namespace {

// The host's text: the address's when only the address is given.
std::string hostText(const HttpTarget& target) {
    return target.host.empty() && target.address ? target.address->to_string() : target.host;
}

template <typename Stream>
class Exchange final : public HttpExchange, public std::enable_shared_from_this<Exchange<Stream>> {
  public:
    Exchange(asio::io_context& io, std::shared_ptr<TlsContext> tls, const HttpTarget& target,
             HttpRequest&& request, HttpDone&& done)
        : tls_(std::move(tls)),
          stream_(makeStream(io, tls_.get())),
          io_(io),
          timer_(io),
          target_(target),
          request_(std::move(request)),
          done_(std::move(done)) {}

    void start(const HttpOptions& options) {
        reader_.expect(options, request_.method() == http::verb::head);
        begin(options.timeout, options.resume);
    }

    void startStream(std::chrono::milliseconds answer_timeout, HttpStreamHandlers handlers) {
        streaming_ = true;
        handlers_ = std::move(handlers);
        reader_.expectStream();
        begin(answer_timeout, nullptr);
    }

    void cancel() override {
        if (finished_ || cancelled_) {
            return;
        }
        cancelled_ = true;
        close();
        auto self = this->shared_from_this();
        asio::post(io_, [self] { self->finish(HttpFailure::Cancelled, {}); });
    }

  private:
    static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket>;

    static Stream makeStream(asio::io_context& io, TlsContext* tls) {
        if constexpr (kTls) {
            return Stream(io, tls->native());
        } else {
            return Stream(io);
        }
    }

    void close() {
        error_code ignored;
        beast::get_lowest_layer(stream_).close(ignored);
    }

    // The one way an exchange ends: the handler runs while the connection is still there (for
    // takeSession), then everything is closed.
    void finish(HttpFailure failure, error_code error) {
        if (finished_) {
            return;
        }
        finished_ = true;
        if (cancelled_) {
            failure = HttpFailure::Cancelled;
            error = asio::error::operation_aborted;
        }
        timer_.cancel();
        if (resolver_) {
            resolver_->cancel();
        }
        HttpResult result;
        result.failure = failure;
        result.error = error;
        if (reader_.parser().is_header_done()) {
            // Moved out once (release() would move it twice): the parser is done with it.
            result.response = std::move(reader_.parser().get());
        }
        if constexpr (kTls) {
            HttpResultAccess::bind(result, stream_.native_handle());
        }
        if (streaming_) {
            handlers_ = {};  // what they hold goes before `done` runs
        }
        std::exchange(done_, nullptr)(result);
        close();
    }

    bool over() const { return finished_ || cancelled_; }

    void begin(std::chrono::milliseconds timeout, SSL_SESSION* resume) {
        auto self = this->shared_from_this();
        timer_.expires_after(timeout);
        timer_.async_wait([self](const error_code& e) {
            if (!e) {
                self->finish(HttpFailure::Timeout, asio::error::timed_out);
            }
        });
        std::optional<asio::ip::address> at = target_.address;
        bool literal = target_.host.empty() && at;  // `address` stands for the host then
        if (!literal) {
            error_code not_literal;
            auto parsed = asio::ip::make_address(target_.host, not_literal);
            literal = !not_literal;
            if (literal && !at) {
                at = parsed;
            }
        }
        prepareTls(literal, resume);
        if (at) {
            return connect(tcp::endpoint(*at, target_.port));
        }
        resolver_.emplace(ResolverThread::context());
        // The answer goes back to the caller's loop with the exchange itself, so the exchange is
        // never let go on the resolver's thread; the loop counts the resolution as work, so it
        // is still running when the answer comes (even after a timeout ended the exchange).
        resolver_->async_resolve(
            target_.host, std::to_string(target_.port),
            [self = this->shared_from_this(), work = asio::make_work_guard(io_)](
                const error_code& e, tcp::resolver::results_type found) mutable {
                auto& io = self->io_;
                asio::post(io, [self = std::move(self), work = std::move(work), e,
                                found = std::move(found)] { self->onResolve(e, found); });
            });
    }

    void onResolve(const error_code& e, const tcp::resolver::results_type& found) {
        if (over()) {
            return;
        }
        if (e) {
            return finish(HttpFailure::Resolve, e);
        }
        connect(std::vector<tcp::endpoint>(found.begin(), found.end()));
    }

    void prepareTls([[maybe_unused]] bool literal, [[maybe_unused]] SSL_SESSION* resume) {
        if constexpr (kTls) {
            bool named = !target_.server_name.empty();
            if (named || !literal) {
                const std::string& name = named ? target_.server_name : target_.host;
                SSL_set_tlsext_host_name(stream_.native_handle(), name.c_str());
            }
            if (tls_->verifies()) {
                stream_.set_verify_callback(asio::ssl::host_name_verification(
                    named ? target_.server_name : hostText(target_)));
            }
            if (resume) {
                SSL_set_session(stream_.native_handle(), resume);
            }
        }
    }

    // One address: the socket's own connect, without the range's vector and bookkeeping;
    // it ends with the same error a range of one would.
    void connect(const tcp::endpoint& endpoint) {
        auto self = this->shared_from_this();
        beast::get_lowest_layer(stream_).async_connect(
            endpoint, [self](const error_code& e) { self->onConnect(e); });
    }

    void connect(const std::vector<tcp::endpoint>& endpoints) {
        auto self = this->shared_from_this();
        asio::async_connect(
            beast::get_lowest_layer(stream_), endpoints,
            [self](const error_code& e, const tcp::endpoint&) { self->onConnect(e); });
    }

    void onConnect(const error_code& e) {
        if (over()) {
            return;
        }
        e ? finish(HttpFailure::Connect, e) : handshake();
    }

    void handshake() {
        if constexpr (kTls) {
            auto self = this->shared_from_this();
            stream_.async_handshake(asio::ssl::stream_base::client, [self](const error_code& e) {
                if (!self->over()) {
                    e ? self->finish(HttpFailure::Handshake, e) : self->send();
                }
            });
        } else {
            send();
        }
    }

    // Without a body, the header alone is written: the same bytes, but Beast's serializer of a
    // string body walks its (empty) body and chunk buffers on every write, a good part of a
    // plain http check's cost.
    void send() {
        if (request_.body().empty() && !request_.chunked()) {
            head_.emplace(std::move(request_.base()));
            return write(*head_);
        }
        write(request_);
    }

    template <typename Message>
    void write(Message& message) {
        auto self = this->shared_from_this();
        http::async_write(stream_, message, [self](const error_code& e, size_t) {
            if (self->over()) {
                return;
            }
            if (e) {
                return self->finish(HttpFailure::Send, e);
            }
            self->streaming_ ? self->readStream() : self->readHeader();
        });
    }

    void readHeader() {
        auto self = this->shared_from_this();
        http::async_read_header(stream_, reader_.buffer(), reader_.parser(),
                                [self](const error_code& e, size_t) { self->onHeader(e); });
    }

    void onHeader(const error_code& e) {
        if (over()) {
            return;
        }
        if (e) {
            return finish(HttpReplyReader::failureOf(e), e);
        }
        if (auto end = reader_.afterHeader()) {
            return finish(HttpReplyReader::failureOf(*end), *end);
        }
        auto self = this->shared_from_this();
        http::async_read(stream_, reader_.buffer(), reader_.parser(),
                         [self](const error_code& e, size_t) {
                             if (!self->over()) {
                                 self->finish(HttpReplyReader::failureOf(e), e);
                             }
                         });
    }

    void readStream() {
        auto self = this->shared_from_this();
        http::async_read_some(stream_, reader_.buffer(), reader_.parser(),
                              [self](const error_code& e, size_t) { self->onStreamData(e); });
    }

    void onStreamData(const error_code& e) {
        if (over()) {
            return;
        }
        if (reader_.parser().is_header_done() && !answered_) {
            answered_ = true;
            timer_.cancel();  // the stream may stay quiet for as long as it likes now
            // The header ends a read: the body is reserved at the next, never past the bound.
            if (auto end = reader_.afterHeader()) {
                return finish(HttpReplyReader::failureOf(*end), *end);
            }
            if (handlers_.header) {
                handlers_.header(reader_.parser().get());
            }
            if (over()) {
                return;
            }
        }
        std::string piece = reader_.takePiece();
        if (!piece.empty()) {
            if (handlers_.body) {
                handlers_.body(piece);
            }
            if (over()) {
                return;
            }
        }
        if (e) {
            return finish(HttpReplyReader::failureOf(e), e);
        }
        if (reader_.parser().is_done()) {
            return finish(HttpFailure::None, {});
        }
        readStream();
    }

    std::shared_ptr<TlsContext> tls_;  // before stream_, which refers to it
    Stream stream_;
    asio::io_context& io_;
    asio::steady_timer timer_;
    std::optional<tcp::resolver> resolver_;  // on ResolverThread's context, for names only
    HttpTarget target_;
    HttpRequest request_;
    std::optional<http::request<http::empty_body>> head_;  // request_'s header, when it has no body
    HttpDone done_;
    bool streaming_ = false;
    bool answered_ = false;
    bool finished_ = false;
    bool cancelled_ = false;
    HttpStreamHandlers handlers_;
    HttpReplyReader reader_;
};

template <typename Stream, typename Start>
std::shared_ptr<HttpExchange> launch(asio::io_context& io, std::shared_ptr<TlsContext> tls,
                                     const HttpTarget& target, HttpRequest&& request,
                                     HttpDone&& done, Start start) {
    auto exchange = std::make_shared<Exchange<Stream>>(io, std::move(tls), target,
                                                       std::move(request), std::move(done));
    start(*exchange);
    return exchange;
}

}  // namespace

HttpClient::HttpClient(asio::io_context& io, std::shared_ptr<TlsContext> tls)
    : io_(io), tls_(std::move(tls)) {}

HttpRequest HttpClient::request(http::verb method, std::string path,
                                const HttpTarget& target) const {
    HttpRequest r(method, path, 11);
    r.set(http::field::host, hostField(hostText(target), target.port, tls_ ? 443 : 80));
    r.set(http::field::user_agent, "pharos-health");
    return r;
}

std::shared_ptr<HttpExchange> HttpClient::exchange(const HttpTarget& target, HttpRequest request,
                                                   const HttpOptions& options,
                                                   HttpDone done) const {
    auto start = [&](auto& e) { e.start(options); };
    if (tls_) {
        return launch<asio::ssl::stream<tcp::socket>>(io_, tls_, target, std::move(request),
                                                      std::move(done), start);
    }
    return launch<tcp::socket>(io_, nullptr, target, std::move(request), std::move(done), start);
}

std::shared_ptr<HttpExchange> HttpClient::stream(const HttpTarget& target, HttpRequest request,
                                                 std::chrono::milliseconds answer_timeout,
                                                 HttpStreamHandlers handlers, HttpDone done) const {
    auto start = [&](auto& e) { e.startStream(answer_timeout, std::move(handlers)); };
    if (tls_) {
        return launch<asio::ssl::stream<tcp::socket>>(io_, tls_, target, std::move(request),
                                                      std::move(done), start);
    }
    return launch<tcp::socket>(io_, nullptr, target, std::move(request), std::move(done), start);
}

std::string failureText(const HttpResult& r, const std::string& host, const FailureWords& words) {
    std::string error = r.error.message();
    switch (r.failure) {
        case HttpFailure::None:
            return "";
        case HttpFailure::Timeout:
            return words.timeout;
        case HttpFailure::Cancelled:
            return words.cancelled;
        case HttpFailure::Resolve:
            return "cannot resolve " + host + ": " + error;
        case HttpFailure::Connect:
            return "cannot connect: " + error;
        case HttpFailure::Handshake:
            return "TLS: " + error;
        case HttpFailure::Send:
            return "cannot send: " + error;
        case HttpFailure::Receive:
        case HttpFailure::TooLarge:
            break;
    }
    return words.broken + error;
}

std::string hostField(const std::string& host, uint16_t port, uint16_t default_port) {
    std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (port != default_port) {
        out += ":" + std::to_string(port);
    }
    return out;
}

}  // namespace pharos::net
