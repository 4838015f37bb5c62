#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "BackendTestSupport.hpp"
#include "backend/RequestFramer.hpp"
#include "backend/UnixSocketServer.hpp"

using namespace pharos;

namespace {

// A blocking client, as pdns's unix connector is.
class Client {
  public:
    explicit Client(const std::string& path) {
        fd_ = socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        timeval tv{3, 0};
        setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    ~Client() { close(fd_); }
    void send(const std::string& text) {
        REQUIRE(::send(fd_, text.data(), text.size(), MSG_NOSIGNAL) == ssize_t(text.size()));
    }
    // Reads one reply line; empty on close or timeout.
    std::string line() {
        for (;;) {
            auto nl = buffer_.find('\n');
            if (nl != std::string::npos) {
                std::string out = buffer_.substr(0, nl);
                buffer_.erase(0, nl + 1);
                return out;
            }
            char chunk[65536];
            ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
            if (n <= 0) {
                return {};
            }
            buffer_.append(chunk, size_t(n));
        }
    }
    void shutdownWrite() { shutdown(fd_, SHUT_WR); }
    bool closedByPeer() {
        char c;
        return recv(fd_, &c, 1, 0) == 0;
    }

  private:
    int fd_;
    std::string buffer_;
};

struct Server {
    std::string dir =
        std::filesystem::temp_directory_path() / ("pharos-srv-" + std::to_string(getpid()));
    std::string path = dir + "/backend.sock";
    test::Backend backend;
    boost::asio::io_context io;
    std::unique_ptr<backend::UnixSocketServer> server;
    std::thread thread;

    Server() {
        std::filesystem::create_directories(dir);
        server = std::make_unique<backend::UnixSocketServer>(io, path, "nogroup-for-tests",
                                                             *backend.protocol);
        thread = std::thread([this] { io.run(); });
    }
    ~Server() {
        boost::asio::post(io, [this] { server->stop(); });
        io.stop();
        thread.join();
        std::filesystem::remove_all(dir);
    }
};

const std::string kLookup =
    R"({"method":"lookup","parameters":{"qtype":"ANY","qname":"myweb.contoso.local.","remote":"10.9.9.9","local":"127.0.0.1","real-remote":"10.9.9.9/32","zone-id":1}})";

}  // namespace

TEST_CASE("server: initialize and lookups over many concurrent connections") {
    Server s;
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < 64; ++i) {
        clients.push_back(std::make_unique<Client>(s.path));
        clients.back()->send(R"({"method":"initialize","parameters":{}})"
                             "\n");
    }
    for (auto& c : clients) {
        CHECK(c->line() == R"({"result":true})");
        c->send(kLookup + "\n");
    }
    for (auto& c : clients) {
        CHECK_THAT(c->line(), Catch::Contains("\"content\":\"10.1.0.5\""));
    }
}

TEST_CASE("server: pipelined requests are answered in order; replies are one line each") {
    Server s;
    Client c(s.path);
    c.send(R"({"method":"initialize","parameters":{}})"
           "\n" +
           kLookup + "\n" +
           R"({"method":"getAllDomains","parameters":{}})"
           "\n");
    CHECK(c.line() == R"({"result":true})");
    CHECK_THAT(c.line(), Catch::StartsWith(R"({"result":[{"qtype":"A")"));
    CHECK(c.line() == R"({"result":[]})");
}

TEST_CASE("server: a stalled half-sent request does not hold up other connections") {
    Server s;
    Client stalled(s.path);
    stalled.send(kLookup.substr(0, 40));
    Client other(s.path);
    other.send(kLookup + "\n");
    CHECK_THAT(other.line(), Catch::Contains("10.1.0.5"));
    stalled.send(kLookup.substr(40) + "\n");  // and it completes later
    CHECK_THAT(stalled.line(), Catch::Contains("10.1.0.5"));
}

TEST_CASE("server: an oversized request is refused and the connection closed") {
    Server s;
    Client c(s.path);
    std::string huge(backend::kMaxRequestBytes + 100, 'x');
    c.send(huge);
    CHECK_THAT(c.line(), Catch::Contains("request too large"));
    CHECK(c.closedByPeer());
    Client after(s.path);  // the server itself is fine
    after.send(kLookup + "\n");
    CHECK_THAT(after.line(), Catch::Contains("10.1.0.5"));
    CHECK(s.backend.resolver->counters().oversized == 1);
}

TEST_CASE("server: a peer that half-closes mid-request is closed cleanly and counted") {
    Server s;
    {
        Client c(s.path);
        c.send(kLookup.substr(0, 30));
        c.shutdownWrite();
        CHECK(c.closedByPeer());
    }
    Client after(s.path);
    after.send(kLookup + "\n");
    CHECK_THAT(after.line(), Catch::Contains("10.1.0.5"));
    CHECK(s.backend.resolver->counters().closed_mid_request == 1);
}

TEST_CASE("server: malformed input gets an error reply and the connection stays") {
    Server s;
    Client c(s.path);
    c.send("this is not json\n");
    CHECK_THAT(c.line(), Catch::Contains("\"result\":false"));
    c.send(kLookup + "\n");
    CHECK_THAT(c.line(), Catch::Contains("10.1.0.5"));
}

TEST_CASE("server: a stale socket file is replaced, a live one never taken") {
    std::string dir =
        std::filesystem::temp_directory_path() / ("pharos-stale-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    std::string path = dir + "/backend.sock";
    {
        // A socket file whose owner died: bound, never listening, closed.
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        close(fd);
    }
    test::Backend b;
    boost::asio::io_context io;
    backend::UnixSocketServer first(io, path, "nogroup", *b.protocol);
    CHECK((std::filesystem::status(path).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
           std::filesystem::perms::group_read | std::filesystem::perms::group_write));
    CHECK_THROWS_WITH(backend::UnixSocketServer(io, path, "nogroup", *b.protocol),
                      Catch::Contains("another process is listening"));
    std::filesystem::remove(path);
    std::ofstream(path) << "not a socket";
    CHECK_THROWS_WITH(backend::UnixSocketServer(io, path, "nogroup", *b.protocol),
                      Catch::Contains("not a socket"));
    std::filesystem::remove_all(dir);
}
