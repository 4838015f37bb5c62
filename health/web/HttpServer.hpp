#pragma once
// A small HTTP/1.1 server on Boost.Beast for pharos-health's /metrics, /status and status
// page: GET and HEAD only, bounded requests, a timeout per connection, keep-alive. It runs on
// the prober's own event loop, so each response is built between two probe events and must be
// quick.
#include <boost/asio.hpp>
#include <functional>
#include <string>

namespace pharos::web {

struct Response {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
};

// Address and port from "127.0.0.1:9180" or "[::1]:9180"; throws std::invalid_argument.
boost::asio::ip::tcp::endpoint parseListen(const std::string& listen);

class HttpServer {
  public:
    // `handler` gets the request target (path and query) of every GET or HEAD.
    using Handler = std::function<Response(const std::string& target)>;

    // Binds `listen`; throws std::runtime_error when it cannot.
    HttpServer(boost::asio::io_context& io, const std::string& listen, Handler handler);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    boost::asio::ip::tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }

  private:
    struct Session;
    void accept();

    boost::asio::ip::tcp::acceptor acceptor_;
    Handler handler_;
};

}  // namespace pharos::web
