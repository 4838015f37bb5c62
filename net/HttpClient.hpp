#pragma once
// One HTTP(S) client for pharos-health's https monitors, webhooks and etcd link. Each exchange
// runs on the caller's io_context (no thread of its own; names are resolved on ResolverThread)
// over a connection of its own: resolve or take a literal address, connect, [TLS: SNI,
// certificate and name verified or not, handshake], write the request, read the response.
// One deadline covers the whole exchange, sizes are capped, and the handler runs exactly once,
// on the io_context's thread, never before exchange() or stream() returns.
#include <boost/asio.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "net/TlsContext.hpp"

namespace pharos::net {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

struct HttpTarget {
    std::string host;  // a name, resolved on ResolverThread, or a literal IPv4/IPv6 address
    uint16_t port = 0;
    // TLS: the name sent as SNI and verified, as given. Empty: `host` is verified, and sent as
    // SNI only when it is a name (RFC 6066 has no addresses in SNI).
    std::string server_name;
    // Set: the address to connect to, `host` then neither parsed nor resolved. `host` may be
    // left empty, the address standing for it (verified as its text); a caller that has the
    // address already (a prober, every few seconds per member) spares the text's printing and
    // parsing.
    std::optional<boost::asio::ip::address> address = std::nullopt;
};

enum class HttpRead : uint8_t {
    Header,  // the status line and header fields; the body is left unread
    Whole,   // the body too, within HttpOptions::body_limit
};

struct HttpOptions {
    std::chrono::milliseconds timeout{5000};  // for everything, resolution to the last byte
    HttpRead read = HttpRead::Whole;
    uint32_t header_limit = 8 * 1024;  // the status line and the fields
    // A Content-Length past it is refused at the header, whatever `read`. None: unbounded, but
    // for a Content-Length past 64 MiB (HttpReplyReader::kMaxAnnouncedBody), refused all the same.
    std::optional<uint64_t> body_limit = 1024 * 1024;
    SSL_SESSION* resume = nullptr;  // a session this server gave before, offered again; not owned
};

enum class HttpFailure : uint8_t {
    None,
    Timeout,    // the deadline passed first
    Cancelled,  // HttpExchange::cancel()
    Resolve,    // the host name did not resolve
    Connect,    // no address accepted the connection
    Handshake,  // TLS: the handshake failed, or the certificate was refused
    Send,       // the request could not be written
    Receive,    // the response broke off or does not parse
    TooLarge,   // the header or the body is past its limit
};

struct HttpResult {
    HttpFailure failure = HttpFailure::None;
    boost::system::error_code error;  // what failed, when something did
    HttpResponse response;            // once the header is in; the body with HttpRead::Whole
    bool ok() const { return failure == HttpFailure::None; }
    unsigned status() const { return response.result_int(); }
    // Over TLS, after a complete exchange and only inside the handler: the session, to offer
    // the same server next time (HttpOptions::resume). Null otherwise.
    TlsSession takeSession() const;

  private:
    friend struct HttpResultAccess;  // the exchange, in HttpClient.cpp
    SSL* ssl_ = nullptr;             // its connection, while the handler runs (TLS only)
};
using HttpDone = std::function<void(HttpResult& result)>;

// How a failed exchange is told in logs and events, where every client says it alike: the
// callers differ only in the words for a deadline, a cancel and a response cut short (each
// followed by the error). "" when the exchange did not fail.
struct FailureWords {
    const char* timeout;
    const char* cancelled;
    const char* broken;  // before the error
};
std::string failureText(const HttpResult& result, const std::string& host,
                        const FailureWords& words);

// A streamed response: `header` once the status line and fields are in, then `body` with each
// piece of the body as it arrives (chunk framing removed).
struct HttpStreamHandlers {
    std::function<void(const HttpResponse& head)> header;
    std::function<void(std::string_view piece)> body;
};

// One exchange under way.
class HttpExchange {
  public:
    virtual ~HttpExchange() = default;
    // Closes the connection at once; no stream handler runs after it, and the done handler
    // runs (later, on the loop) with Cancelled unless the exchange had ended already.
    // Destroying the handle does not cancel; like any Asio object, it must not outlive the
    // io_context.
    virtual void cancel() = 0;
};

class HttpClient {
  public:
    // `tls` null: plain http.
    HttpClient(boost::asio::io_context& io, std::shared_ptr<TlsContext> tls);

    bool tls() const { return tls_ != nullptr; }
    // A request to `target`: method, path, HTTP/1.1, Host (an IPv6 address in brackets, the
    // port unless it is the scheme's) and User-Agent; the caller adds the rest.
    HttpRequest request(boost::beast::http::verb method, std::string path,
                        const HttpTarget& target) const;

    // One request, one response (or its header).
    std::shared_ptr<HttpExchange> exchange(const HttpTarget& target, HttpRequest request,
                                           const HttpOptions& options, HttpDone done) const;
    // One request, then a response that stays open and is delivered as it comes (etcd's
    // /v3/watch). The deadline covers only the wait for the header; the body is unbounded
    // (the handlers bound what they keep), but for a Content-Length past 64 MiB, refused at the
    // header. `done` runs when the response ends, completes or
    // is cancelled.
    std::shared_ptr<HttpExchange> stream(const HttpTarget& target, HttpRequest request,
                                         std::chrono::milliseconds answer_timeout,
                                         HttpStreamHandlers handlers, HttpDone done) const;

  private:
    boost::asio::io_context& io_;
    std::shared_ptr<TlsContext> tls_;
};

// The Host field for `host`:`port`: an IPv6 address in brackets, the port left out when it is
// `default_port`.
std::string hostField(const std::string& host, uint16_t port, uint16_t default_port);

}  // namespace pharos::net
