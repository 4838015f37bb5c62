// The remote-backend protocol's own ceiling, for bench/pdns/run.sh: answers one name with one
// fixed A record by string matching, with no JSON parser, a blocking thread per connection.
// Whatever pdns achieves with this backend is the most any remote backend can give it.
//
//   minimal_remote_backend SOCKET NAME ADDRESS
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

namespace {

void serve(int fd, std::string name, std::string address) {
    std::string hit = R"({"result":[{"qtype":"A","qname":")" + name + R"(","content":")" + address +
                      R"(","ttl":60,"auth":true}]})"
                      "\n";
    // pdns 4.7 writes its requests with json11, which puts a space after each colon.
    std::string qname = R"("qname": ")" + name + '"';
    std::string buffer;
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n <= 0) {
            break;
        }
        buffer.append(chunk, size_t(n));
        size_t nl;
        while ((nl = buffer.find('\n')) != std::string::npos) {
            std::string line = buffer.substr(0, nl);
            buffer.erase(0, nl + 1);
            const std::string* reply;
            static const std::string yes = "{\"result\":true}\n", none = "{\"result\":false}\n",
                                     empty = "{\"result\":[]}\n";
            if (line.find("\"initialize\"") != std::string::npos) {
                reply = &yes;
            } else if (line.find("\"getAllDomains\"") != std::string::npos) {
                reply = &empty;
            } else if (line.find("\"lookup\"") != std::string::npos &&
                       line.find(qname) != std::string::npos &&
                       (line.find(R"("qtype": "ANY")") != std::string::npos ||
                        line.find(R"("qtype": "A")") != std::string::npos)) {
                reply = &hit;
            } else {
                reply = &none;
            }
            if (write(fd, reply->data(), reply->size()) < 0) {
                close(fd);
                return;
            }
        }
    }
    close(fd);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s SOCKET NAME ADDRESS\n", argv[0]);
        return 2;
    }
    unlink(argv[1]);
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
    if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(listener, 128) != 0) {
        std::perror("minimal_remote_backend");
        return 1;
    }
    for (;;) {
        int fd = accept(listener, nullptr, nullptr);
        if (fd >= 0) {
            std::thread(serve, fd, std::string(argv[2]), std::string(argv[3])).detach();
        }
    }
}
