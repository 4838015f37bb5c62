#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <fstream>

#include "BackendTestSupport.hpp"
#include "backend/ConfigReloader.hpp"
#include "conf/CommandLine.hpp"

using namespace pharos;
using namespace std::chrono_literals;

namespace {

// One globalname on one pool, and 1,000 more pools, so that a reload takes long enough for
// lookups to be answered while it runs.
std::string lbWith(const std::string& name, const std::string& address) {
    std::string lb =
        "pools:\n  p:\n    monitor: forced\n    lb_method: wrr\n    members:\n"
        "    - {ip: " +
        address + ", name: m, weight: 1}\n";
    for (int i = 0; i < 1000; ++i) {
        lb +=
            "  filler" + std::to_string(i) +
            ": {monitor: forced, lb_method: wrr, members: [{ip: 10.1.0.1, name: f, weight: 1}]}\n";
    }
    return lb + "globalnames:\n  " + name + ": {pool: p, ttl: 5}\n";
}

struct Files {
    std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("pharos-reloader-" + std::to_string(getpid()));
    Files() {
        std::filesystem::create_directories(dir);
        std::ofstream(dir / "pharos.yaml") << "lb: lb.yaml\ntopology: null\nlog_level: error\n";
        lb(lbWith("old.example", "10.0.0.1"));
    }
    ~Files() { std::filesystem::remove_all(dir); }
    void lb(const std::string& text) const { std::ofstream(dir / "lb.yaml") << text; }
    std::string config() const { return (dir / "pharos.yaml").string(); }
};

// Runs the io thread, answering lookups all along as pdns would, until `done` holds (or 10 s).
// Returns how many lookups were answered meanwhile.
template <typename Done>
int serveUntil(boost::asio::io_context& io, backend::GslbResolver& resolver, Done done) {
    auto guard = boost::asio::make_work_guard(io);  // the reload runs on its own thread
    boost::asio::steady_timer tick(io);
    int lookups = 0;
    auto start = std::chrono::steady_clock::now();
    std::function<void()> next = [&] {
        backend::LookupRequest request;
        request.qname = "old.example.";
        request.remote = "10.9.9.9";
        request.qtype = "ANY";
        resolver.lookup(request);
        ++lookups;
        if (done() || std::chrono::steady_clock::now() - start > 10s) {
            guard.reset();
            return;
        }
        tick.expires_after(1ms);
        tick.async_wait([&](const boost::system::error_code&) { next(); });
    };
    boost::asio::post(io, next);
    io.run();
    io.restart();
    return lookups;
}

}  // namespace

TEST_CASE("reloads are built off the lookup thread and swapped in whole") {
    Files files;
    auto config = conf::loadAndReport(files.config());
    REQUIRE(config);
    boost::asio::io_context io;
    backend::GslbResolver resolver(std::move(*config), std::make_unique<test::FakeHealth>());
    backend::ConfigReloader reloader(io, resolver, files.config());

    files.lb(lbWith("new.example", "10.0.0.2"));
    boost::asio::post(io, [&] { reloader.request(); });
    int served =
        serveUntil(io, resolver, [&] { return resolver.config().findGlobalName("new.example"); });
    CHECK(resolver.config().findGlobalName("new.example"));
    CHECK_FALSE(resolver.config().findGlobalName("old.example"));
    CHECK(resolver.stats().header().reloads == 1);
    INFO(served << " lookups answered meanwhile");
    CHECK(served > 5);  // the lookup thread was not held while the reload was built

    // A broken file is rejected and the running configuration kept.
    files.lb("pools: [not, a, map\n");
    boost::asio::post(io, [&] { reloader.request(); });
    serveUntil(io, resolver, [&] { return resolver.stats().header().reload_failures == 1; });
    CHECK(resolver.stats().header().reload_failures == 1);
    CHECK(resolver.config().findGlobalName("new.example"));

    // Requests made while a reload runs end in one more reload that sees the last file.
    files.lb(lbWith("last.example", "10.0.0.3"));
    boost::asio::post(io, [&] {
        reloader.request();
        reloader.request();
        reloader.request();
    });
    serveUntil(io, resolver, [&] { return resolver.stats().header().reloads == 3; });
    CHECK(resolver.stats().header().reloads == 3);
    CHECK(resolver.config().findGlobalName("last.example"));
}
