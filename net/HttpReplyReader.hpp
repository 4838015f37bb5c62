#pragma once
// How an HTTP response is read, apart from where its bytes come from: Beast's parser with the
// limits HttpOptions set (the header's, which bounds the read buffer too; the body's, which a
// Content-Length past it meets at the header, unread), then the body whole, not at all, or
// (a stream) piece by piece with the chunk framing removed. HttpClient's exchanges feed it
// from a socket and the fuzz target HttpReply from memory, so both read with the same settings.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "net/HttpClient.hpp"

namespace pharos::net {

class HttpReplyReader {
  public:
    using Parser = boost::beast::http::response_parser<boost::beast::http::string_body>;
    // The most a Content-Length may announce when the body has no bound (etcd's calls and
    // watch): Beast reserves an announced body whole as it starts reading it, so memory would
    // follow what a server says. A body without a length still grows only as it arrives.
    static constexpr uint64_t kMaxAnnouncedBody = 64 << 20;

    HttpReplyReader() = default;
    HttpReplyReader(const HttpReplyReader&) = delete;  // the parser holds on to chunk_body_
    HttpReplyReader& operator=(const HttpReplyReader&) = delete;

    // The response to one request (`head`: a HEAD request, whose response has no body).
    void expect(const HttpOptions& options, bool head);
    // A response that stays open (etcd's watch): the default header bound, no body bound;
    // the body is taken with takePiece() as it comes.
    void expectStream();

    Parser& parser() { return parser_; }
    boost::beast::flat_buffer& buffer() { return buffer_; }

    // Once the header is in, before any of the body is read: none when the body is to be read
    // next; otherwise how the exchange ends here (no error: done, HttpRead::Header;
    // body_limit: a Content-Length past the body's bound, or past kMaxAnnouncedBody for a body
    // without one, a stream's too).
    std::optional<boost::system::error_code> afterHeader() const;
    // A stream's body parsed since the last call.
    std::string takePiece();

    // What a read's error means for the exchange: none, TooLarge (a limit) or Receive.
    static HttpFailure failureOf(const boost::system::error_code& error);

  private:
    void limitHeader(uint32_t limit);
    void limitBody(std::optional<uint64_t> limit);

    HttpRead read_ = HttpRead::Whole;
    std::optional<uint64_t> body_limit_;
    std::string pending_;
    std::function<size_t(uint64_t, boost::beast::string_view, boost::system::error_code&)>
        chunk_body_;
    Parser parser_;
    boost::beast::flat_buffer buffer_;
};

}  // namespace pharos::net
