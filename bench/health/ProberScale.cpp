// Runs the real pharos-health against thousands of loopback members and measures what it
// sustains: checks/s (requests the members served), CPU per check and RSS.
// Members are 200 listeners on 50 loopback addresses x 4 ports, served on core 1 by this
// process; the prober runs on core 0. Kinds: tcp (connect), http (GET, keep-alive off, as
// Polaris), https and https-noresume (TLS 1.3, ECDSA P-256; with and without TLS session
// resumption).
//
// Baseline in the same run: a minimal client in this process doing the same check (connect,
// TLS, GET, read, close) as fast as it can on core 0: the least CPU a check can cost.
//
// The members' core must keep up with the prober's: a TLS server's half of a handshake costs
// about what the client's does, so https kinds default to an interval of 5 s (2,000 checks/s
// at 10,000 members); the figure that matters, CPU per check, does not depend on the rate.
//
//   bench_prober [KIND, default tcp] [members, default 10000] [seconds, default 10]
//                [interval s, default 1, https 5]
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "test/net/MemberExchange.hpp"
#include "test/net/SelfSigned.hpp"

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
namespace test = pharos::test;

namespace {

constexpr int kAddresses = 50;
constexpr int kPorts = 4;
constexpr int kBasePort = 21000;
constexpr std::string_view kResponse = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK";

std::atomic<uint64_t> served{0};
std::string kind = "tcp";
double interval = 1;

bool tls() {
    return kind.rfind("https", 0) == 0;
}

void pin(int core) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(core, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

double threadCpu() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

void accept(tcp::acceptor& a, ssl::context& ctx) {
    a.async_accept([&a, &ctx](error_code e, tcp::socket s) {
        if (!e) {
            test::serveMember(kind, std::move(s), ctx, kResponse, served);
        }
        accept(a, ctx);
    });
}

std::string address(int i) {
    return "127.1.0." + std::to_string(1 + i % kAddresses);
}
int port(int i) {
    return kBasePort + (i / kAddresses) % kPorts;
}

void writeConfig(const std::string& dir, int members) {
    std::ofstream(dir + "/pharos.yaml")
        << "lb: lb.yaml\ntopology: null\nuser: root\nbackend: {socket: " << dir << "/b.sock}\n"
        << "health: {table: /pharos-bench-prober, table_group: root}\nlog_level: warning\n"
        << "control: {socket: " << dir << "/c.sock}\nhttp: {listen: '127.0.0.1:19190'}\n";
    std::ofstream lb(dir + "/lb.yaml");
    lb << "pools:\n";
    std::string monitor = kind == "tcp"
                              ? "tcp"
                              : std::string("http\n    monitor_params: {use_ssl: ") +
                                    (tls() ? "true" : "false") +
                                    ", tls_session_reuse: " + (kind == "https" ? "true" : "false");
    int per_pool = 100;
    for (int p = 0; p * per_pool < members; ++p) {
        lb << "  pool" << p << ":\n    monitor: " << monitor
           << (kind == "tcp" ? "\n    monitor_params: {" : ", ") << "port: " << kBasePort
           << ", interval: " << interval
           << ", timeout: 0.5, retries: 2}\n    lb_method: wrr\n    members:\n";
        for (int m = p * per_pool; m < std::min(members, (p + 1) * per_pool); ++m) {
            lb << "    - {ip: 10." << (m >> 16) << "." << ((m >> 8) & 255) << "." << (m & 255)
               << ", name: m" << m << ", weight: 1, monitor_ip: " << address(m)
               << ", monitor_port: " << port(m) << "}\n";
        }
    }
    lb << "globalnames:\n  bench.example: {pool: pool0, ttl: 1}\n";
}

// utime+stime seconds and RSS in kB of a process, from /proc.
std::pair<double, long> cpuAndRss(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string f;
    double ticks = 0;
    for (int i = 3; i <= 15 && fields >> f; ++i) {
        if (i == 14 || i == 15) {
            ticks += std::stod(f);
        }
    }
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    long rss = 0;
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmRSS:", 0) == 0) {
            rss = std::stol(line.substr(6));
        }
    }
    return {ticks / double(sysconf(_SC_CLK_TCK)), rss};
}

// The baseline: `parallel` checks at a time, back to back, for `seconds`, on this thread.
struct Baseline {
    asio::io_context io{1};
    ssl::context ctx{ssl::context::tls_client};
    std::vector<SSL_SESSION*> sessions = std::vector<SSL_SESSION*>(kAddresses * kPorts, nullptr);
    uint64_t done = 0;
    std::chrono::steady_clock::time_point end;

    void check(int i) {
        if (std::chrono::steady_clock::now() > end) {
            return;
        }
        int slot = i % (kAddresses * kPorts);
        tcp::endpoint target(asio::ip::make_address(address(slot)), uint16_t(port(slot)));
        if (!tls()) {
            auto s = std::make_shared<tcp::socket>(io);
            s->async_connect(target, [this, s, i](error_code e) {
                if (e || kind == "tcp") {
                    return finish(i);
                }
                exchange(s, *s, i);
            });
            return;
        }
        auto s = std::make_shared<ssl::stream<tcp::socket>>(io, ctx);
        if (kind == "https" && sessions[size_t(slot)]) {
            SSL_set_session(s->native_handle(), sessions[size_t(slot)]);
        }
        s->next_layer().async_connect(target, [this, s, i](error_code e) {
            if (e) {
                return finish(i);
            }
            s->async_handshake(ssl::stream_base::client,
                               [this, s, i](error_code e) { e ? finish(i) : exchange(s, *s, i); });
        });
    }
    template <typename Keep, typename Stream>
    void exchange(Keep keep, Stream& stream, int i) {
        static const std::string request = "GET / HTTP/1.1\r\nHost: m\r\nConnection: close\r\n\r\n";
        asio::async_write(
            stream, asio::buffer(request), [this, keep, &stream, i](error_code e, size_t) {
                if (e) {
                    return finish(i);
                }
                auto body = std::make_shared<std::string>();
                asio::async_read(
                    stream, asio::dynamic_buffer(*body), asio::transfer_at_least(kResponse.size()),
                    [this, keep, body, i](error_code, size_t) {
                        if constexpr (!std::is_same_v<Stream, tcp::socket>) {
                            int slot = i % (kAddresses * kPorts);
                            SSL* ssl = keep->native_handle();
                            SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
                            SSL_SESSION_free(sessions[size_t(slot)]);
                            sessions[size_t(slot)] = SSL_get1_session(ssl);
                        }
                        finish(i);
                    });
            });
    }
    void finish(int i) {
        ++done;
        check(i + 64);
    }

    // Returns microseconds of this thread's CPU per check.
    double run(double seconds) {
        end = std::chrono::steady_clock::now() +
              std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                  std::chrono::duration<double>(seconds));
        for (int i = 0; i < 64; ++i) {
            check(i);
        }
        double cpu0 = threadCpu();
        io.run();
        return (threadCpu() - cpu0) * 1e6 / double(std::max<uint64_t>(done, 1));
    }
};

}  // namespace

int main(int argc, char** argv) {
    kind = argc > 1 ? argv[1] : "tcp";
    int members = argc > 2 ? std::atoi(argv[2]) : 10000;
    double seconds = argc > 3 ? std::atof(argv[3]) : 10;
    interval = argc > 4 ? std::atof(argv[4]) : tls() ? 5 : 1;
    if (kind != "tcp" && kind != "http" && kind != "https" && kind != "https-noresume") {
        std::fprintf(stderr,
                     "usage: bench_prober [tcp|http|https|https-noresume] [members] [s] "
                     "[interval s]\n");
        return 2;
    }
    rlimit limit{65536, 65536};
    setrlimit(RLIMIT_NOFILE, &limit);
    std::string dir = std::filesystem::temp_directory_path() /
                      ("pharos-prober-bench-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    writeConfig(dir, members);

    asio::io_context io(1);
    ssl::context server_ctx(ssl::context::tls_server);
    test::SelfSigned("member").useIn(server_ctx);
    // Stateless tickets only (nginx's default): a server-side cache costs the members' core.
    SSL_CTX_set_session_cache_mode(server_ctx.native_handle(), SSL_SESS_CACHE_OFF);
    std::vector<std::unique_ptr<tcp::acceptor>> listeners;
    for (int a = 0; a < kAddresses; ++a) {
        for (int p = 0; p < kPorts; ++p) {
            auto l = std::make_unique<tcp::acceptor>(io);
            tcp::endpoint e(asio::ip::make_address(address(a)), uint16_t(kBasePort + p));
            l->open(e.protocol());
            l->set_option(tcp::acceptor::reuse_address(true));
            l->bind(e);
            l->listen(4096);
            accept(*l, server_ctx);
            listeners.push_back(std::move(l));
        }
    }
    std::thread members_thread([&] {
        pin(1);
        io.run();
    });

    // The baseline on core 0, before the prober exists.
    pin(0);
    Baseline baseline;
    double floor_us = baseline.run(3);

    pid_t child = fork();
    if (child == 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(0, &set);
        sched_setaffinity(0, sizeof set, &set);
        execl(PHAROS_HEALTH_BINARY, "pharos-health", "-c", (dir + "/pharos.yaml").c_str(), nullptr);
        _exit(127);
    }
    std::this_thread::sleep_for(std::chrono::seconds(3));  // first probes spread over 2 s
    auto [cpu0, rss0] = cpuAndRss(child);
    uint64_t s0 = served;
    auto t0 = std::chrono::steady_clock::now();
    long rss_max = rss0;
    while (std::chrono::steady_clock::now() - t0 < std::chrono::duration<double>(seconds)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        rss_max = std::max(rss_max, cpuAndRss(child).second);
    }
    auto [cpu1, rss1] = cpuAndRss(child);
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    uint64_t checks = served - s0;
    kill(child, SIGTERM);
    waitpid(child, nullptr, 0);
    io.stop();
    members_thread.join();
    std::filesystem::remove_all(dir);
    unlink("/dev/shm/pharos-bench-prober");
    unlink("/dev/shm/pharos-bench-prober.lock");

    double per_check = 1e6 * (cpu1 - cpu0) / double(std::max<uint64_t>(checks, 1));
    std::printf(
        "bench_prober %s: %d members, interval %g s, timeout 0.5 s; prober on core 0, members "
        "on core 1, %.0f s measured\n",
        kind.c_str(), members, interval, elapsed);
    std::printf("baseline: a minimal client doing the same check costs %.1f us CPU per check\n",
                floor_us);
    std::printf(
        "pharos-health: %.0f checks/s (%.2f of the ideal %d), CPU %.1f%% of one core, "
        "%.1f us per check (%.2f x the baseline), RSS %.1f MB (max %.1f MB); one core would "
        "carry %.0f members at a 10 s interval\n",
        double(checks) / elapsed, double(checks) / elapsed * interval / members,
        int(members / interval), 100.0 * (cpu1 - cpu0) / elapsed, per_check, per_check / floor_us,
        double(rss1) / 1024, double(rss_max) / 1024, 1e6 / per_check * 10);
    return 0;
}
