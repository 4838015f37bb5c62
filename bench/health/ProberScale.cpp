// Runs the real pharos-health against 10,000 tcp members at interval 1 s and measures what it
// sustains: checks/s (connections the members accepted), its CPU % and RSS. Members are 200
// listeners on 50 loopback addresses x 4 ports, served on the other core by this process.
// Baseline in the same run: the members' accept rate with the prober idle (zero) and the
// interval's ideal rate (members / interval).
//
//   bench_prober [members, default 10000] [seconds, default 10]
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr int kAddresses = 50;
constexpr int kPorts = 4;
constexpr int kBasePort = 21000;

std::atomic<uint64_t> accepted{0};

void accept(tcp::acceptor& a) {
    a.async_accept([&a](boost::system::error_code e, tcp::socket s) {
        if (!e) {
            ++accepted;
            boost::system::error_code ignored;
            s.close(ignored);
        }
        accept(a);
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
        << "lb: lb.yaml\ntopology: null\nbackend: {socket: " << dir << "/b.sock}\n"
        << "health: {table: /pharos-bench-prober, table_group: root}\nlog_level: warning\n";
    std::ofstream lb(dir + "/lb.yaml");
    lb << "pools:\n";
    int per_pool = 100;
    for (int p = 0; p * per_pool < members; ++p) {
        lb << "  pool" << p << ":\n    monitor: tcp\n    monitor_params: {port: " << kBasePort
           << ", interval: 1, timeout: 0.5, retries: 2}\n    lb_method: wrr\n    members:\n";
        for (int m = p * per_pool; m < std::min(members, (p + 1) * per_pool); ++m) {
            lb << "    - {ip: 10." << (m >> 16) << "." << ((m >> 8) & 255) << "." << (m & 255)
               << ", name: m" << m << ", weight: 1, monitor_ip: " << address(m)
               << ", monitor_port: " << port(m) << "}\n";
        }
    }
    lb << "globalnames:\n  bench.example: {pool: pool0, ttl: 1}\n";
}

// utime+stime ticks and RSS in kB of a process, from /proc.
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

}  // namespace

int main(int argc, char** argv) {
    int members = argc > 1 ? std::atoi(argv[1]) : 10000;
    double seconds = argc > 2 ? std::atof(argv[2]) : 10;
    rlimit limit{65536, 65536};
    setrlimit(RLIMIT_NOFILE, &limit);
    std::string dir = std::filesystem::temp_directory_path() /
                      ("pharos-prober-bench-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    writeConfig(dir, members);

    asio::io_context io(1);
    std::vector<std::unique_ptr<tcp::acceptor>> listeners;
    for (int a = 0; a < kAddresses; ++a) {
        for (int p = 0; p < kPorts; ++p) {
            auto l = std::make_unique<tcp::acceptor>(io);
            tcp::endpoint e(asio::ip::make_address(address(a)), uint16_t(kBasePort + p));
            l->open(e.protocol());
            l->set_option(tcp::acceptor::reuse_address(true));
            l->bind(e);
            l->listen(4096);
            accept(*l);
            listeners.push_back(std::move(l));
        }
    }
    std::thread members_thread([&] {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(1, &set);
        pthread_setaffinity_np(pthread_self(), sizeof set, &set);
        io.run();
    });

    uint64_t idle_start = accepted;
    std::this_thread::sleep_for(std::chrono::seconds(1));
    uint64_t idle = accepted - idle_start;

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
    uint64_t a0 = accepted;
    auto t0 = std::chrono::steady_clock::now();
    long rss_max = rss0;
    while (std::chrono::steady_clock::now() - t0 < std::chrono::duration<double>(seconds)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        rss_max = std::max(rss_max, cpuAndRss(child).second);
    }
    auto [cpu1, rss1] = cpuAndRss(child);
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    uint64_t checks = accepted - a0;
    kill(child, SIGTERM);
    waitpid(child, nullptr, 0);
    io.stop();
    members_thread.join();
    std::filesystem::remove_all(dir);
    unlink("/dev/shm/pharos-bench-prober");
    unlink("/dev/shm/pharos-bench-prober.lock");

    std::printf(
        "bench_prober: %d tcp members, interval 1 s, timeout 0.5 s; prober on core 0, "
        "members on core 1, %.0f s measured\n",
        members, elapsed);
    std::printf("baseline: ideal %d checks/s (members / interval); members idle: %llu accepts/s\n",
                members, (unsigned long long)idle);
    std::printf(
        "pharos-health: %.0f checks/s (%.2f of ideal), CPU %.1f%% of one core, "
        "RSS %.1f MB (max %.1f MB)\n",
        double(checks) / elapsed, double(checks) / elapsed / members,
        100.0 * (cpu1 - cpu0) / elapsed, double(rss1) / 1024, double(rss_max) / 1024);
    return 0;
}
