// Drives pharos-backend's server over a unix socket the way pdns does: 64 connections, one
// request in flight on each, a pdns-shaped mix (globalname ANY lookups with and without ECS,
// SOA and ANY misses). The server runs in this process on core 0, the load on core 1.
// Baseline, same run, same transport: a server that answers every line with
// {"result":false} at once, i.e. the cost of the socket round trip alone.
//
//   bench_backend [seconds per run, default 5]
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "backend/GslbResolver.hpp"
#include "backend/RemoteBackendProtocol.hpp"
#include "backend/UnixSocketServer.hpp"
#include "base/Clock.hpp"
#include "base/Log.hpp"
#include "conf/ConfigLoader.hpp"
#include "health/ProbeRun.hpp"
#include "state/HealthTableWriter.hpp"
#include "state/SharedMemory.hpp"

using namespace pharos;
namespace asio = boost::asio;
using local = asio::local::stream_protocol;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kConnections = 64;

double threadCpuSeconds() {
    rusage u{};
    getrusage(RUSAGE_THREAD, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

void pinToCore(int core) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(core, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

std::vector<std::string> requestMix() {
    std::vector<std::string> mix;
    auto lookup = [](const std::string& qtype, const std::string& name, const std::string& remote,
                     const std::string& real) {
        return R"({"method":"lookup","parameters":{"qtype":")" + qtype + R"(","qname":")" + name +
               R"(","remote":")" + remote + R"(","local":"127.0.0.1","real-remote":")" + real +
               R"(","zone-id":1}})"
               "\n";
    };
    for (int i = 0; i < 100; ++i) {
        std::string name = "gslb" + std::to_string(i) + ".example.com.";
        std::string client = "10." + std::to_string(i % 4) + "." + std::to_string(i) + ".9";
        mix.push_back(lookup("ANY", name, client, client + "/32"));  // hit
        mix.push_back(lookup("ANY", name, "192.0.2.1",               // hit with ECS
                             "10." + std::to_string(i % 4) + "." + std::to_string(i) + ".0/24"));
        mix.push_back(lookup("SOA", "example.com.", client, client + "/32"));  // miss
        mix.push_back(lookup("ANY", "static" + std::to_string(i) + ".example.com.", client,
                             client + "/32"));  // miss
    }
    return mix;
}

conf::Config benchConfig(const std::string& table) {
    std::string lb = "pools:\n";
    std::string names = "globalnames:\n";
    const char* methods[] = {"fogroup", "wrr", "twrr", "wrr"};
    for (int p = 0; p < 25; ++p) {
        lb += "  pool" + std::to_string(p) +
              ":\n    monitor: forced\n    lb_method: " + methods[p % 4] +
              "\n    max_addrs_returned: 2\n    members:\n";
        for (int m = 0; m < 4; ++m) {
            lb += "    - {ip: 10." + std::to_string(m) + "." + std::to_string(p) + ".1, name: m" +
                  std::to_string(m) + ", weight: " + std::to_string(1 + m) + "}\n";
        }
    }
    for (int i = 0; i < 100; ++i) {
        names += "  gslb" + std::to_string(i) + ".example.com: {pool: pool" +
                 std::to_string(i % 25) + ", ttl: 5}\n";
    }
    std::string topology =
        "r0: [10.0.0.0/16]\nr1: [10.1.0.0/16]\nr2: [10.2.0.0/16]\nr3: [10.3.0.0/16]\n";
    auto result = conf::loadLbText(lb + names, topology);
    auto config = std::get<conf::Config>(std::move(result));
    config.settings.health_table = table;
    config.settings.table_group = "";
    config.settings.stale_after = conf::Seconds(3600);
    return config;
}

// The baseline server: same accept loop and framing, no work per request.
class EchoServer {
  public:
    EchoServer(asio::io_context& io, const std::string& path)
        : acceptor_(io, local::endpoint(path)) {
        accept();
    }

  private:
    struct Conn : std::enable_shared_from_this<Conn> {
        explicit Conn(local::socket s) : socket(std::move(s)) {}
        local::socket socket;
        std::array<char, 65536> chunk;
        std::string pending, out;
        void read() {
            auto self = shared_from_this();
            socket.async_read_some(
                asio::buffer(chunk), [self](boost::system::error_code e, size_t n) {
                    if (e) {
                        return;
                    }
                    self->pending.append(self->chunk.data(), n);
                    size_t nl;
                    while ((nl = self->pending.find('\n')) != std::string::npos) {
                        self->out += "{\"result\":false}\n";
                        self->pending.erase(0, nl + 1);
                    }
                    asio::async_write(self->socket, asio::buffer(self->out),
                                      [self](boost::system::error_code e, size_t) {
                                          self->out.clear();
                                          if (!e) {
                                              self->read();
                                          }
                                      });
                });
        }
    };
    void accept() {
        acceptor_.async_accept([this](boost::system::error_code e, local::socket s) {
            if (!e) {
                std::make_shared<Conn>(std::move(s))->read();
            }
            accept();
        });
    }
    local::acceptor acceptor_;
};

struct LoadResult {
    uint64_t requests = 0;
    double seconds = 0;
    double server_cpu = 0;  // seconds of CPU the server thread used
    std::vector<uint32_t> rtt_ns;
};

// 64 connections on one thread, each sending its next request when the reply arrives.
LoadResult drive(const std::string& path, double seconds) {
    pinToCore(1);
    asio::io_context io(1);
    auto mix = requestMix();
    LoadResult result;
    result.rtt_ns.reserve(8'000'000);
    auto end = Clock::now() +
               std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    struct Conn {
        local::socket socket;
        std::array<char, 65536> chunk;
        std::string pending;
        size_t next;
        Clock::time_point sent;
    };
    std::vector<std::unique_ptr<Conn>> conns;
    std::function<void(Conn&)> send, receive;
    send = [&](Conn& c) {
        const std::string& r = mix[c.next++ % mix.size()];
        c.sent = Clock::now();
        asio::async_write(c.socket, asio::buffer(r), [&](boost::system::error_code e, size_t) {
            if (!e) {
                receive(c);
            }
        });
    };
    receive = [&](Conn& c) {
        c.socket.async_read_some(asio::buffer(c.chunk), [&](boost::system::error_code e, size_t n) {
            if (e) {
                return;
            }
            c.pending.append(c.chunk.data(), n);
            if (c.pending.find('\n') == std::string::npos) {
                return receive(c);
            }
            c.pending.clear();
            auto now = Clock::now();
            result.rtt_ns.push_back(uint32_t(
                std::chrono::duration_cast<std::chrono::nanoseconds>(now - c.sent).count()));
            ++result.requests;
            if (now < end) {
                send(c);
            }
        });
    };
    auto start = Clock::now();
    for (int i = 0; i < kConnections; ++i) {
        conns.push_back(std::make_unique<Conn>(Conn{local::socket(io), {}, {}, size_t(i * 7), {}}));
        conns.back()->socket.connect(local::endpoint(path));
        send(*conns.back());
    }
    io.run();
    result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return result;
}

double percentileUs(std::vector<uint32_t>& v, double p) {
    if (v.empty()) {
        return 0;
    }
    size_t k = std::min(v.size() - 1, size_t(p * double(v.size())));
    std::nth_element(v.begin(), v.begin() + long(k), v.end());
    return v[k] / 1000.0;
}

// Lookups per second of server CPU: what one core fully given to the server would carry,
// whether or not the load generator on the other core kept it busy.
void report(const char* name, LoadResult& r) {
    double rate = double(r.requests) / r.seconds;
    double busy = r.server_cpu / r.seconds;
    std::printf(
        "%-18s %8.0f lookups/s, server core %3.0f%% busy -> %8.0f lookups/s per server "
        "core; round trip p50 %6.1f us p99 %6.1f us\n",
        name, rate, busy * 100, rate / busy, percentileUs(r.rtt_ns, 0.5),
        percentileUs(r.rtt_ns, 0.99));
}

}  // namespace

int main(int argc, char** argv) {
    double seconds = argc > 1 ? std::atof(argv[1]) : 5.0;
    setLogLevel(LogLevel::Warning);
    std::string dir =
        std::filesystem::temp_directory_path() / ("pharos-bench-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    std::printf(
        "bench_backend: %d connections, one request in flight each, %.0f s per run; "
        "server on core 0, load on core 1\n",
        kConnections, seconds);

    // Baseline: the transport alone.
    LoadResult echo;
    {
        asio::io_context io(1);
        EchoServer server(io, dir + "/echo.sock");
        double cpu = 0;
        std::thread t([&] {
            pinToCore(0);
            io.run();
            cpu = threadCpuSeconds();
        });
        echo = drive(dir + "/echo.sock", seconds);
        io.stop();
        t.join();
        echo.server_cpu = cpu;
    }
    report("baseline (echo)", echo);

    // pharos: the real protocol, resolver, lb and shared-memory health table.
    std::string table = "/pharos-bench-" + std::to_string(getpid());
    auto config = benchConfig(table);
    state::HealthTableWriter writer(config, base::realtimeMs());
    for (uint32_t s = 0; s < config.slot_count; ++s) {
        state::SlotView v;
        v.state = s % 7 == 3 ? state::MemberState::Down : state::MemberState::Up;
        writer.write(s, v);
    }
    writer.markReady();
    auto resolver = std::make_unique<backend::GslbResolver>(
        std::move(config), std::make_unique<state::TableVerdicts>(table));
    backend::RemoteBackendProtocol protocol(*resolver);
    LoadResult pharos;
    {
        asio::io_context io(1);
        backend::UnixSocketServer server(io, dir + "/pharos.sock", "root", protocol);
        double cpu = 0;
        std::thread t([&] {
            pinToCore(0);
            io.run();
            cpu = threadCpuSeconds();
        });
        pharos = drive(dir + "/pharos.sock", seconds);
        io.stop();
        t.join();
        pharos.server_cpu = cpu;
    }
    report("pharos-backend", pharos);
    const auto& c = resolver->counters();
    std::printf("pharos server time per request (read to write): p50 %.2f us  p99 %.2f us\n",
                c.servicePercentileNs(0.5) / 1000.0, c.servicePercentileNs(0.99) / 1000.0);
    std::printf(
        "ratio pharos / baseline: %.2f (lookups/s), %.2f (per server core)   "
        "(lookups %llu, globalname hits %llu, fast path %llu, fail-open %llu)\n",
        (double(pharos.requests) / pharos.seconds) / (double(echo.requests) / echo.seconds),
        (double(pharos.requests) / pharos.server_cpu) / (double(echo.requests) / echo.server_cpu),
        (unsigned long long)c.lookups, (unsigned long long)c.lookup_hits,
        (unsigned long long)c.fast_path, (unsigned long long)c.fail_open_answers);
    state::unlinkSharedMemory(table);
    std::filesystem::remove_all(dir);
    return 0;
}
