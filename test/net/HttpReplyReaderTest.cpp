// net::HttpReplyReader: the client's reading of a response, fed from memory here.
#include <catch2/catch.hpp>

#include "net/HttpReplyReader.hpp"

using namespace pharos;
using net::HttpReplyReader;
namespace http = boost::beast::http;

namespace {

// Puts `header` (a whole header) into the reader's parser, as a read would.
void putHeader(HttpReplyReader& reader, const std::string& header) {
    boost::system::error_code e;
    size_t used = reader.parser().put(boost::asio::buffer(header), e);
    REQUIRE_FALSE(e);
    REQUIRE(used == header.size());
    REQUIRE(reader.parser().is_header_done());
}

const std::string kHuge = "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999\r\n\r\n";

}  // namespace

// Past a bound, Beast 1.74 refuses the length itself as the header ends (afterHeader holds it
// too, whatever the parser's version does).
TEST_CASE("reply reader: the body is read within its bound, or not at all") {
    net::HttpOptions options;
    options.body_limit = 1000;
    HttpReplyReader within;
    within.expect(options, false);
    putHeader(within, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
    CHECK_FALSE(within.afterHeader());

    options.read = net::HttpRead::Header;
    HttpReplyReader header_only;
    header_only.expect(options, false);
    putHeader(header_only, "HTTP/1.1 204 No Content\r\n\r\n");
    CHECK(header_only.afterHeader() == boost::system::error_code());
}

// Found by fuzz_HttpReply: without a bound, Beast reserved whatever a Content-Length said as
// the body began (100 TB here: std::bad_alloc out of the prober's loop; 1 GB: allocated).
TEST_CASE("reply reader: without a bound, an announced body is still held to kMaxAnnouncedBody") {
    net::HttpOptions unbounded;  // an etcd call's
    unbounded.body_limit = std::nullopt;
    HttpReplyReader call;
    call.expect(unbounded, false);
    putHeader(call, kHuge);
    CHECK(call.afterHeader() == boost::system::error_code(http::error::body_limit));

    HttpReplyReader stream;  // etcd's watch
    stream.expectStream();
    putHeader(stream, kHuge);
    CHECK(stream.afterHeader() == boost::system::error_code(http::error::body_limit));

    HttpReplyReader fits;
    fits.expect(unbounded, false);
    putHeader(fits, "HTTP/1.1 200 OK\r\nContent-Length: " +
                        std::to_string(HttpReplyReader::kMaxAnnouncedBody) + "\r\n\r\n");
    CHECK_FALSE(fits.afterHeader());

    HttpReplyReader chunked;
    chunked.expectStream();
    putHeader(chunked, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    CHECK_FALSE(chunked.afterHeader());
}
