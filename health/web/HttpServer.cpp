#include "health/web/HttpServer.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>
#include <stdexcept>

namespace pharos::web {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

tcp::endpoint parseListen(const std::string& listen) {
    auto colon = listen.rfind(':');
    if (colon == std::string::npos) {
        throw std::invalid_argument("expected ADDRESS:PORT, found " + listen);
    }
    std::string host = listen.substr(0, colon);
    if (host.size() > 1 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    boost::system::error_code e;
    auto address = asio::ip::make_address(host, e);
    if (e) {
        throw std::invalid_argument("not an IP address: " + host);
    }
    return {address, uint16_t(std::stoul(listen.substr(colon + 1)))};
}

struct HttpServer::Session : std::enable_shared_from_this<Session> {
    Session(tcp::socket socket, Handler& handler) : stream(std::move(socket)), handler(handler) {}

    void read() {
        parser.emplace();
        parser->header_limit(8 * 1024);
        parser->body_limit(8 * 1024);
        stream.expires_after(std::chrono::seconds(10));
        bhttp::async_read(stream, buffer, *parser,
                          [self = shared_from_this()](beast::error_code e, size_t) {
                              if (!e) {
                                  self->respond();
                              }
                          });
    }

    void respond() {
        const auto& request = parser->get();
        response = {};
        response.version(request.version());
        response.keep_alive(request.keep_alive());
        response.set(bhttp::field::server, "pharos");
        response.set(bhttp::field::cache_control, "no-store");
        if (request.method() != bhttp::verb::get && request.method() != bhttp::verb::head) {
            response.result(bhttp::status::method_not_allowed);
            response.set(bhttp::field::allow, "GET, HEAD");
        } else {
            Response r = handler(std::string(request.target()));
            response.result(unsigned(r.status));
            response.set(bhttp::field::content_type, r.content_type);
            response.body() = request.method() == bhttp::verb::head ? "" : std::move(r.body);
        }
        response.prepare_payload();
        bhttp::async_write(
            stream, response, [self = shared_from_this()](beast::error_code e, size_t) {
                if (!e && self->response.keep_alive()) {
                    self->read();
                } else {
                    beast::error_code ignored;
                    self->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
                }
            });
    }

    beast::tcp_stream stream;
    Handler& handler;
    beast::flat_buffer buffer;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser;
    bhttp::response<bhttp::string_body> response;
};

HttpServer::HttpServer(asio::io_context& io, const std::string& listen, Handler handler)
    : acceptor_(io), handler_(std::move(handler)) {
    tcp::endpoint endpoint = parseListen(listen);
    boost::system::error_code e;
    acceptor_.open(endpoint.protocol(), e);
    if (!e) {
        acceptor_.set_option(asio::socket_base::reuse_address(true), e);
    }
    if (!e) {
        acceptor_.bind(endpoint, e);
    }
    if (!e) {
        acceptor_.listen(asio::socket_base::max_listen_connections, e);
    }
    if (e) {
        throw std::runtime_error("cannot listen on " + listen + ": " + e.message());
    }
    accept();
}

HttpServer::~HttpServer() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
}

void HttpServer::accept() {
    acceptor_.async_accept([this](boost::system::error_code e, tcp::socket socket) {
        if (e == asio::error::operation_aborted) {
            return;
        }
        if (!e) {
            std::make_shared<Session>(std::move(socket), handler_)->read();
        }
        accept();
    });
}

}  // namespace pharos::web
