// What an http member sends back, through the parser and limits the http monitor uses, then
// its verdict: any bytes, never a crash, never more memory than the bounds.
#include <boost/beast/http.hpp>
#include <cstdlib>

#include "health/checks/HttpMonitor.hpp"

namespace http = boost::beast::http;
using namespace pharos;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const health::HttpResponseJudge judge = [] {
        conf::HttpParams p;
        p.expected_codes = {200, 204};
        p.body_match = "OK";
        p.body_regex = "\"state\":\\s*\"(ok|up)\"";
        p.expected_json = {{"/status", "\"OK\""}, {"/db/0/quorum", "true"}};
        return health::HttpResponseJudge(p);
    }();
    http::response_parser<http::string_body> parser;
    parser.header_limit(health::kMaxHttpHeader);
    parser.body_limit(health::kMaxHttpBody);
    boost::asio::const_buffer rest(data, size);
    boost::beast::error_code error;
    // As the monitor reads: the header first, then the body only when its announced length is
    // within the bound (Beast 1.74 reserves a Content-Length body before body_limit applies).
    while (rest.size() > 0 && !parser.is_header_done()) {
        size_t used = parser.put(rest, error);
        if (error == http::error::need_more) {
            return 0;
        }
        if (error || used == 0) {
            return 0;
        }
        rest += used;
    }
    auto length = parser.content_length();
    if (!parser.is_header_done() || (length && *length > health::kMaxHttpBody)) {
        return 0;  // the monitor fails the check here, unread
    }
    parser.eager(true);
    while (rest.size() > 0 && !parser.is_done()) {
        size_t used = parser.put(rest, error);
        if (error == http::error::need_more) {
            break;
        }
        if (error || used == 0) {
            return 0;
        }
        rest += used;
    }
    if (size > 0 && !error) {
        parser.put_eof(error);
    }
    if (parser.is_header_done()) {
        const auto& response = parser.get();
        if (response.body().size() > health::kMaxHttpBody) {
            std::abort();
        }
        judge.judge(response.result_int(), response.body());
    }
    return 0;
}
