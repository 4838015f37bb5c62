#include "cluster/EtcdClient.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "net/ResolverThread.hpp"

namespace pharos::cluster {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using nlohmann::json;

// A watch message is a few events; anything this large is not one.
constexpr size_t kMaxMessage = 64 << 20;

template <typename Stream>
class Exchange : public StreamHandle, public std::enable_shared_from_this<Exchange<Stream>> {
  public:
    template <typename... StreamArgs>
    Exchange(asio::io_context& io, const conf::EtcdEndpoint& endpoint, const std::string& path,
             const json& body, StreamArgs&&... args)
        : stream_(std::forward<StreamArgs>(args)...),
          io_(io),
          resolver_(net::ResolverThread::context()),
          timer_(io),
          host_(endpoint.host),
          port_(endpoint.port) {
        request_.method(http::verb::post);
        request_.target(path);
        request_.version(11);
        request_.set(http::field::host,
                     (host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_) + ":" +
                         std::to_string(port_));
        request_.set(http::field::user_agent, "pharos-health");
        request_.set(http::field::content_type, "application/json");
        request_.body() = body.dump();
        request_.prepare_payload();
        parser_.body_limit(boost::none);
    }

    void startCall(std::chrono::milliseconds timeout, CallDone done) {
        call_done_ = std::move(done);
        start(timeout, true);
    }

    void startStream(std::chrono::milliseconds connect_timeout, StreamMessage on_message,
                     StreamEnded ended) {
        on_message_ = std::move(on_message);
        ended_ = std::move(ended);
        // Each message of the stream is one chunk, or several; split at the newlines.
        chunk_body_ = [this](uint64_t, boost::string_view data, error_code&) {
            pending_.append(data.data(), data.size());
            return data.size();
        };
        parser_.on_chunk_body(chunk_body_);  // the parser keeps a reference
        start(connect_timeout, false);
    }

    void cancel() override {
        auto self = this->shared_from_this();
        asio::post(io_, [self] { self->finish("cancelled", json()); });
    }

  private:
    static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket>;

    bool open() const { return call_done_ || ended_; }

    // Ends the exchange once; `reply` only matters to a call.
    void finish(const std::string& error, const json& reply) {
        if (!open()) {
            return;
        }
        timer_.cancel();
        resolver_.cancel();
        error_code ignored;
        boost::beast::get_lowest_layer(stream_).close(ignored);
        on_message_ = nullptr;
        if (call_done_) {
            std::exchange(call_done_, nullptr)(error, reply);
        } else {
            std::exchange(ended_, nullptr)(error);
        }
    }

    void start(std::chrono::milliseconds timeout, bool whole) {
        auto self = this->shared_from_this();
        // A call must be over by then; a stream only connected and answered.
        timer_.expires_after(timeout);
        timer_.async_wait([self, whole](const error_code& e) {
            if (!e) {
                self->finish(whole ? "no answer within the timeout" : "no answer to the watch",
                             json());
            }
        });
        error_code not_literal;
        auto literal = asio::ip::make_address(host_, not_literal);
        if (!not_literal) {
            return connect({tcp::endpoint(literal, port_)}, whole);
        }
        resolver_.async_resolve(
            host_, std::to_string(port_),
            [self, whole](const error_code& e, tcp::resolver::results_type found) {
                asio::post(self->io_, [self, e, whole, found = std::move(found)] {
                    if (e) {
                        return self->finish("cannot resolve " + self->host_ + ": " + e.message(),
                                            json());
                    }
                    self->connect(std::vector<tcp::endpoint>(found.begin(), found.end()), whole);
                });
            });
    }

    void connect(const std::vector<tcp::endpoint>& endpoints, bool whole) {
        auto self = this->shared_from_this();
        asio::async_connect(boost::beast::get_lowest_layer(stream_), endpoints,
                            [self, whole](const error_code& e, const tcp::endpoint&) {
                                if (!self->open()) {
                                    return;
                                }
                                if (e) {
                                    return self->finish("cannot connect: " + e.message(), json());
                                }
                                self->handshake(whole);
                            });
    }

    void handshake(bool whole) {
        if constexpr (kTls) {
            error_code not_literal;
            asio::ip::make_address(host_, not_literal);
            if (not_literal) {  // RFC 6066: no address in SNI
                SSL_set_tlsext_host_name(stream_.native_handle(), host_.c_str());
            }
            stream_.set_verify_callback(asio::ssl::host_name_verification(host_));
            auto self = this->shared_from_this();
            stream_.async_handshake(
                asio::ssl::stream_base::client, [self, whole](const error_code& e) {
                    if (!self->open()) {
                        return;
                    }
                    e ? self->finish("TLS: " + e.message(), json()) : self->send(whole);
                });
        } else {
            send(whole);
        }
    }

    void send(bool whole) {
        auto self = this->shared_from_this();
        http::async_write(stream_, request_, [self, whole](const error_code& e, size_t) {
            if (!self->open()) {
                return;
            }
            if (e) {
                return self->finish("cannot send: " + e.message(), json());
            }
            if (whole) {
                http::async_read(self->stream_, self->buffer_, self->parser_,
                                 [self](const error_code& e, size_t) { self->onReply(e); });
            } else {
                self->readStream();
            }
        });
    }

    void onReply(const error_code& e) {
        if (!open()) {
            return;
        }
        if (e) {
            return finish("no answer: " + e.message(), json());
        }
        const auto& response = parser_.get();
        json reply = json::parse(response.body(), nullptr, false);
        if (response.result_int() != 200 || reply.is_discarded()) {
            std::string why = reply.is_object() ? reply.value("error", std::string()) : "";
            return finish(
                "HTTP " + std::to_string(response.result_int()) + (why.empty() ? "" : ": " + why),
                json());
        }
        finish("", reply);
    }

    void readStream() {
        auto self = this->shared_from_this();
        http::async_read_some(stream_, buffer_, parser_,
                              [self](const error_code& e, size_t) { self->onStreamData(e); });
    }

    void onStreamData(const error_code& e) {
        if (!open()) {
            return;
        }
        if (parser_.is_header_done()) {
            timer_.cancel();  // answered: the stream may stay quiet for as long as it likes
            if (parser_.get().result_int() != 200) {
                return finish("HTTP " + std::to_string(parser_.get().result_int()), json());
            }
        }
        // Without chunked encoding the bytes land in the body instead.
        pending_ += std::exchange(parser_.get().body(), std::string());
        for (size_t end; (end = pending_.find('\n')) != std::string::npos;) {
            json message = json::parse(pending_.substr(0, end), nullptr, false);
            pending_.erase(0, end + 1);
            if (message.is_discarded()) {
                return finish("malformed watch message", json());
            }
            on_message_(message);
            if (!open()) {
                return;
            }
        }
        if (e || parser_.is_done() || pending_.size() > kMaxMessage) {
            return finish(e ? "watch ended: " + e.message() : "watch ended", json());
        }
        readStream();
    }

    Stream stream_;
    asio::io_context& io_;
    tcp::resolver resolver_;  // on ResolverThread's context
    asio::steady_timer timer_;
    std::string host_;
    uint16_t port_;
    CallDone call_done_;
    StreamMessage on_message_;
    StreamEnded ended_;
    std::string pending_;
    std::function<size_t(uint64_t, boost::string_view, error_code&)> chunk_body_;
    http::request<http::string_body> request_;
    http::response_parser<http::string_body> parser_;
    boost::beast::flat_buffer buffer_{8192};
};

template <typename Start>
std::shared_ptr<StreamHandle> make(asio::io_context& io, const conf::EtcdEndpoint& endpoint,
                                   std::shared_ptr<asio::ssl::context> tls, const std::string& path,
                                   const json& body, Start start) {
    if (tls) {
        auto e = std::make_shared<Exchange<asio::ssl::stream<tcp::socket>>>(io, endpoint, path,
                                                                            body, io, *tls);
        start(*e);
        // The stream refers to the context: keep it as long as the exchange.
        return std::shared_ptr<StreamHandle>(e, e.get());
    }
    auto e = std::make_shared<Exchange<tcp::socket>>(io, endpoint, path, body, io);
    start(*e);
    return e;
}

}  // namespace

void etcdCall(asio::io_context& io, const conf::EtcdEndpoint& endpoint,
              std::shared_ptr<asio::ssl::context> tls, const std::string& path, const json& body,
              std::chrono::milliseconds timeout, CallDone done) {
    make(io, endpoint, tls, path, body, [&](auto& e) {
        e.startCall(timeout,
                    [tls, done = std::move(done)](const std::string& error, const json& reply) {
                        done(error, reply);
                    });
    });
}

std::shared_ptr<StreamHandle> etcdStream(asio::io_context& io, const conf::EtcdEndpoint& endpoint,
                                         std::shared_ptr<asio::ssl::context> tls,
                                         const std::string& path, const json& body,
                                         std::chrono::milliseconds connect_timeout,
                                         StreamMessage on_message, StreamEnded ended) {
    return make(io, endpoint, tls, path, body, [&](auto& e) {
        e.startStream(connect_timeout, std::move(on_message),
                      [tls, ended = std::move(ended)](const std::string& why) { ended(why); });
    });
}

}  // namespace pharos::cluster
