#include "notify/WebhookPost.hpp"

#include "net/ResolverThread.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace pharos::notify {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

template <typename Stream>
class Post : public std::enable_shared_from_this<Post<Stream>> {
  public:
    template <typename... StreamArgs>
    Post(asio::io_context& io, const conf::WebhookTarget& target, std::string body, PostDone done,
         StreamArgs&&... args)
        : stream_(std::forward<StreamArgs>(args)...),
          io_(io),
          resolver_(net::ResolverThread::context()),
          timer_(io),
          host_(target.host),
          port_(target.port),
          done_(std::move(done)) {
        request_.method(http::verb::post);
        request_.target(target.target);
        request_.version(11);
        bool default_port = port_ == (kTls ? 443 : 80);
        request_.set(http::field::host,
                     (host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_) +
                         (default_port ? "" : ":" + std::to_string(port_)));
        request_.set(http::field::user_agent, "pharos-health");
        request_.set(http::field::content_type, "application/json");
        request_.set(http::field::connection, "close");
        request_.body() = std::move(body);
        request_.prepare_payload();
        timeout_ = std::chrono::milliseconds(int64_t(target.timeout.count() * 1000));
        verify_ = target.verify_tls;
    }

    void start() {
        auto self = this->shared_from_this();
        timer_.expires_after(timeout_);
        timer_.async_wait([self](const error_code& e) {
            if (!e) {
                self->finish(false, "no answer within the timeout");
            }
        });
        boost::system::error_code not_literal;
        auto literal = asio::ip::make_address(host_, not_literal);
        if (!not_literal) {
            return connect({tcp::endpoint(literal, port_)});
        }
        // Resolved on the resolver thread; the answer comes back to this loop.
        resolver_.async_resolve(host_, std::to_string(port_),
                                [self](const error_code& e, tcp::resolver::results_type found) {
                                    asio::post(self->io_,
                                               [self, e, found = std::move(found)]() mutable {
                                                   self->onResolve(e, std::move(found));
                                               });
                                });
    }

  private:
    static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket>;

    void finish(bool delivered, std::string why) {
        if (!done_) {
            return;
        }
        timer_.cancel();
        resolver_.cancel();
        error_code ignored;
        boost::beast::get_lowest_layer(stream_).close(ignored);
        std::exchange(done_, nullptr)(PostResult{delivered, std::move(why)});
    }

    void onResolve(const error_code& e, tcp::resolver::results_type found) {
        if (!done_) {
            return;
        }
        if (e) {
            return finish(false, "cannot resolve " + host_ + ": " + e.message());
        }
        connect(std::vector<tcp::endpoint>(found.begin(), found.end()));
    }

    void connect(const std::vector<tcp::endpoint>& endpoints) {
        auto self = this->shared_from_this();
        asio::async_connect(boost::beast::get_lowest_layer(stream_), endpoints,
                            [self](const error_code& e, const tcp::endpoint&) {
                                if (!self->done_) {
                                    return;
                                }
                                if (e) {
                                    return self->finish(false, "cannot connect: " + e.message());
                                }
                                self->handshake();
                            });
    }

    void handshake() {
        if constexpr (kTls) {
            boost::system::error_code not_literal;
            asio::ip::make_address(host_, not_literal);
            if (not_literal) {  // RFC 6066: no address in SNI
                SSL_set_tlsext_host_name(stream_.native_handle(), host_.c_str());
            }
            if (verify_) {
                stream_.set_verify_callback(asio::ssl::host_name_verification(host_));
            }
            auto self = this->shared_from_this();
            stream_.async_handshake(asio::ssl::stream_base::client, [self](const error_code& e) {
                if (!self->done_) {
                    return;
                }
                e ? self->finish(false, "TLS: " + e.message()) : self->send();
            });
        } else {
            send();
        }
    }

    void send() {
        auto self = this->shared_from_this();
        http::async_write(stream_, request_, [self](const error_code& e, size_t) {
            if (!self->done_) {
                return;
            }
            if (e) {
                return self->finish(false, "cannot send: " + e.message());
            }
            // The status is the whole verdict: a body (of any size, or one that never ends)
            // must not turn a delivery into a retry, which would send the event twice.
            http::async_read_header(self->stream_, self->buffer_, self->parser_,
                                    [self](const error_code& e, size_t) { self->onResponse(e); });
        });
    }

    void onResponse(const error_code& e) {
        if (!done_) {
            return;
        }
        if (e) {
            return finish(false, "no response: " + e.message());
        }
        unsigned status = parser_.get().result_int();
        finish(status >= 200 && status < 300, "HTTP status " + std::to_string(status));
    }

    Stream stream_;
    asio::io_context& io_;
    tcp::resolver resolver_;  // on ResolverThread's context
    asio::steady_timer timer_;
    std::string host_;
    uint16_t port_;
    PostDone done_;
    std::chrono::milliseconds timeout_{5000};
    bool verify_ = true;
    http::request<http::string_body> request_;
    http::response_parser<http::string_body> parser_;
    boost::beast::flat_buffer buffer_{4096};
};

}  // namespace

void postWebhook(asio::io_context& io, const conf::WebhookTarget& target,
                 std::shared_ptr<asio::ssl::context> tls, std::string body, PostDone done) {
    if (tls) {
        using TlsStream = asio::ssl::stream<tcp::socket>;
        // The stream refers to the context; the handler keeps both alive.
        auto post = std::make_shared<Post<TlsStream>>(
            io, target, std::move(body),
            [tls, done = std::move(done)](const PostResult& r) { done(r); }, io, *tls);
        post->start();
    } else {
        std::make_shared<Post<tcp::socket>>(io, target, std::move(body), std::move(done), io)
            ->start();
    }
}

}  // namespace pharos::notify
