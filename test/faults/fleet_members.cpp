// The members of the overload drills (test/faults/overload.py): thousands of tcp, http or
// https listeners served by one multi-threaded process, fast enough that the prober, not
// they, is what falls behind (a python member serves a few hundred checks a second; the
// drills need thousands).
//
//   fault_fleet_members tcp|http|https THREADS < LISTENERS
//
// stdin first lists the listeners, "ADDRESS PORT" a line, then an empty line; once all are
// bound the process prints "listening N". Further lines are commands: "close ADDRESS PORT"
// closes that listener (the member stops: connections are refused), "served" prints the
// checks served so far. It exits at the end of stdin. Kinds: tcp accepts and closes, http
// answers one GET with 200 and closes (keep-alive off, as the prober asks), https does the
// same over TLS 1.3 with a self-signed ECDSA P-256 certificate made at start (as
// bench/health/ProberScale.cpp; stateless session tickets, so resumption costs no state).
#include <sys/resource.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test/net/MemberExchange.hpp"
#include "test/net/SelfSigned.hpp"

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
namespace test = pharos::test;

namespace {

constexpr std::string_view kResponse =
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK";

std::atomic<uint64_t> served{0};

struct Listener {
    Listener(asio::io_context& io, const tcp::endpoint& at)
        : strand(asio::make_strand(io)), acceptor(strand) {
        acceptor.open(at.protocol());
        acceptor.set_option(tcp::acceptor::reuse_address(true));
        acceptor.bind(at);
        acceptor.listen(4096);
    }
    asio::strand<asio::io_context::executor_type> strand;
    tcp::acceptor acceptor;
};

class Fleet {
  public:
    Fleet(std::string kind, unsigned threads)
        : kind_(std::move(kind)), threads_(threads), tls_(ssl::context::tls_server) {
        if (kind_ == "https") {
            test::SelfSigned("member").useIn(tls_);
            SSL_CTX_set_session_cache_mode(tls_.native_handle(), SSL_SESS_CACHE_OFF);
        }
    }

    void listen(const std::string& address, uint16_t port) {
        auto l =
            std::make_unique<Listener>(io_, tcp::endpoint(asio::ip::make_address(address), port));
        accept(*l);
        listeners_[key(address, port)] = std::move(l);
    }

    size_t size() const { return listeners_.size(); }

    void run() {
        for (unsigned i = 0; i < threads_; ++i) {
            workers_.emplace_back([this] { io_.run(); });
        }
    }

    bool close(const std::string& address, uint16_t port) {
        auto it = listeners_.find(key(address, port));
        if (it == listeners_.end()) {
            return false;
        }
        Listener* l = it->second.get();
        asio::post(l->strand, [l] {
            error_code ignored;
            l->acceptor.close(ignored);
        });
        return true;
    }

    void stop() {
        work_.reset();
        io_.stop();
        for (auto& t : workers_) {
            t.join();
        }
    }

  private:
    static std::string key(const std::string& address, uint16_t port) {
        return address + " " + std::to_string(port);
    }

    void accept(Listener& l) {
        l.acceptor.async_accept(asio::make_strand(io_), [this, &l](error_code e, tcp::socket s) {
            if (e == asio::error::operation_aborted || !l.acceptor.is_open()) {
                return;
            }
            if (!e) {
                serve(std::move(s));
            }
            accept(l);
        });
    }

    void serve(tcp::socket s) { test::serveMember(kind_, std::move(s), tls_, kResponse, served); }

    std::string kind_;
    unsigned threads_;
    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
    ssl::context tls_;
    std::map<std::string, std::unique_ptr<Listener>> listeners_;
    std::vector<std::thread> workers_;
};

}  // namespace

int main(int argc, char** argv) {
    std::string kind = argc > 1 ? argv[1] : "";
    if (argc != 3 || (kind != "tcp" && kind != "http" && kind != "https")) {
        std::cerr << "usage: fault_fleet_members tcp|http|https THREADS < LISTENERS\n";
        return 2;
    }
    rlimit limit{65536, 65536};
    setrlimit(RLIMIT_NOFILE, &limit);
    Fleet fleet(kind, unsigned(std::max(1, std::atoi(argv[2]))));
    std::string line;
    while (std::getline(std::cin, line) && !line.empty()) {
        std::istringstream fields(line);
        std::string address;
        unsigned port = 0;
        if (!(fields >> address >> port)) {
            std::cerr << "bad listener line: " << line << "\n";
            return 2;
        }
        fleet.listen(address, uint16_t(port));
    }
    fleet.run();
    std::cout << "listening " << fleet.size() << std::endl;
    while (std::getline(std::cin, line)) {
        std::istringstream fields(line);
        std::string command, address;
        unsigned port = 0;
        fields >> command >> address >> port;
        if (command == "close") {
            std::cout << (fleet.close(address, uint16_t(port)) ? "closed " : "unknown ") << address
                      << " " << port << std::endl;
        } else if (command == "served") {
            std::cout << "served " << served.load() << std::endl;
        }
    }
    fleet.stop();
    return 0;
}
