// An HTTP reply as net::HttpClient reads it (net/HttpReplyReader, the client's own parser
// settings and steps), from memory in reads of a few bytes: a webhook's (header only, then its
// verdict), an etcd call's (whole, unbounded, then the call's reading), the defaults (whole,
// 1 MiB), a HEAD request's, and etcd's watch stream (piece by piece). Any bytes: never a crash,
// a body within its bound, a stream that never delivers more than it was sent.
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <cstdlib>
#include <string>
#include <utility>

#include "cluster/EtcdClient.hpp"
#include "cluster/EtcdReplies.hpp"
#include "net/HttpReplyReader.hpp"
#include "notify/WebhookPost.hpp"

namespace http = boost::beast::http;
using boost::system::error_code;
using namespace pharos;

namespace {

// A SyncReadStream over the input, `step` bytes at most per read, then end of file.
struct MemoryStream {
    const uint8_t* data;
    size_t size;
    size_t step;

    template <typename Buffers>
    size_t read_some(const Buffers& buffers, error_code& e) {
        if (size == 0) {
            e = boost::asio::error::eof;
            return 0;
        }
        e = {};
        size_t n =
            boost::asio::buffer_copy(buffers, boost::asio::buffer(data, std::min(size, step)));
        data += n;
        size -= n;
        return n;
    }
    template <typename Buffers>
    size_t read_some(const Buffers& buffers) {
        error_code e;
        size_t n = read_some(buffers, e);
        if (e) {
            throw boost::system::system_error(e);
        }
        return n;
    }
};

// As the exchange reads (HttpClient.cpp, onHeader): the header, then the body or not.
net::HttpResult exchange(MemoryStream& in, const net::HttpOptions& options, bool head) {
    net::HttpReplyReader reader;
    reader.expect(options, head);
    error_code e;
    http::read_header(in, reader.buffer(), reader.parser(), e);
    if (!e) {
        if (auto end = reader.afterHeader()) {
            e = *end;
        } else {
            http::read(in, reader.buffer(), reader.parser(), e);
        }
    }
    net::HttpResult result;
    result.failure = net::HttpReplyReader::failureOf(e);
    result.error = e;
    if (reader.parser().is_header_done()) {
        result.response = std::move(reader.parser().get());
    }
    if (result.ok() && options.read == net::HttpRead::Whole && options.body_limit &&
        result.response.body().size() > *options.body_limit) {
        std::abort();
    }
    if (options.read == net::HttpRead::Header && !result.response.body().empty()) {
        std::abort();
    }
    return result;
}

// As the stream reads (HttpClient.cpp, onStreamData), its pieces to the watch's splitter.
void stream(MemoryStream& in, size_t sent) {
    net::HttpReplyReader reader;
    reader.expectStream();
    cluster::WatchStreamSplitter splitter;
    size_t delivered = 0;
    bool answered = false;
    for (size_t reads = 0;; ++reads) {
        if (reads > sent + 16) {
            std::abort();  // a read that neither ends nor moves on: the client would spin
        }
        error_code e;
        http::read_some(in, reader.buffer(), reader.parser(), e);
        if (reader.parser().is_header_done() && !std::exchange(answered, true) &&
            reader.afterHeader()) {
            return;  // refused at the header
        }
        std::string piece = reader.takePiece();
        delivered += piece.size();
        if (delivered > sent) {
            std::abort();
        }
        if (!piece.empty() && reader.parser().get().result_int() == 200) {
            splitter.take(piece, [](const nlohmann::json&) { return true; });
        }
        if (e || reader.parser().is_done()) {
            return;
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) {
        return 0;
    }
    MemoryStream in{data + 2, size - 2, size_t(data[1]) + 1};
    switch (data[0] % 5) {
        case 0: {
            conf::WebhookTarget target;
            auto result = exchange(in, notify::webhookReplyOptions(target), false);
            auto verdict = notify::postVerdict(result, "hooks.example.net");
            if (verdict.delivered != (result.ok() && result.status() / 100 == 2)) {
                std::abort();
            }
            break;
        }
        case 1: {
            auto result = exchange(in, cluster::EtcdClient::callOptions(), false);
            if (result.ok()) {
                cluster::readCallReply(result.status(), result.response.body());
            }
            break;
        }
        case 2:
            stream(in, size - 2);
            break;
        case 3:
            exchange(in, net::HttpOptions(), false);
            break;
        default:
            exchange(in, net::HttpOptions(), true);
    }
    return 0;
}
