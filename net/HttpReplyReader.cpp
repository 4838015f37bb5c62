#include "net/HttpReplyReader.hpp"

#include <limits>
#include <utility>

namespace pharos::net {

namespace http = boost::beast::http;
using boost::system::error_code;

void HttpReplyReader::expect(const HttpOptions& options, bool head) {
    read_ = options.read;
    body_limit_ = options.body_limit;
    limitHeader(options.header_limit);
    limitBody(body_limit_);
    parser_.skip(head);  // a length it does not send
}

void HttpReplyReader::expectStream() {
    read_ = HttpRead::Whole;
    body_limit_ = std::nullopt;
    limitHeader(HttpOptions().header_limit);
    limitBody(std::nullopt);
    chunk_body_ = [this](uint64_t, boost::beast::string_view data, error_code&) {
        pending_.append(data.data(), data.size());
        return data.size();
    };
    parser_.on_chunk_body(chunk_body_);  // the parser keeps a reference
}

std::optional<error_code> HttpReplyReader::afterHeader() const {
    if (read_ == HttpRead::Header) {
        return error_code();
    }
    // Beast 1.74 refuses such a Content-Length as it parses the header already; held here
    // as well, before a body is reserved or read, whatever the parser's version does:
    // memory never follows what a server announces.
    auto length = parser_.content_length();
    if (length && *length > body_limit_.value_or(kMaxAnnouncedBody)) {
        return error_code(http::error::body_limit);
    }
    return std::nullopt;
}

std::string HttpReplyReader::takePiece() {
    // Without chunked encoding the bytes land in the body instead.
    pending_ += std::exchange(parser_.get().body(), std::string());
    return std::exchange(pending_, std::string());
}

HttpFailure HttpReplyReader::failureOf(const error_code& e) {
    if (!e) {
        return HttpFailure::None;
    }
    bool too_large = e == http::error::header_limit || e == http::error::buffer_overflow ||
                     e == http::error::body_limit;
    return too_large ? HttpFailure::TooLarge : HttpFailure::Receive;
}

// The header is parsed whole from the read buffer, so the buffer's size is its bound too.
void HttpReplyReader::limitHeader(uint32_t limit) {
    parser_.header_limit(limit);
    buffer_.max_size(limit);
}

// Not boost::none for "unbounded": Beast 1.74 compares a Content-Length with it as it
// finishes the header, and everything is more than none.
void HttpReplyReader::limitBody(std::optional<uint64_t> limit) {
    parser_.body_limit(limit.value_or(std::numeric_limits<uint64_t>::max()));
}

}  // namespace pharos::net
