// pharos-health: probes every pool member and publishes verdicts in the shared health table.
#include <malloc.h>
#include <sys/resource.h>

#include <boost/asio.hpp>
#include <memory>

#include "conf/CommandLine.hpp"
#include "conf/Log.hpp"
#include "health/ProbeRun.hpp"
#include "health/ProberLock.hpp"

namespace {

using namespace pharos;

// Thousands of checks in flight each hold a socket.
void raiseFileLimit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

std::unique_ptr<health::ProbeRun> startRun(boost::asio::io_context& io, conf::Config config) {
    conf::applyLogLevel(config);
    auto run = std::make_unique<health::ProbeRun>(io, std::move(config));
    run->start();
    // Parsing a large LB file leaves tens of MB of freed heap behind; hand it back so the
    // prober's footprint is what it uses.
    malloc_trim(0);
    return run;
}

void handleSignals(boost::asio::signal_set& signals, const std::string& path,
                   boost::asio::io_context& io, std::unique_ptr<health::ProbeRun>& run) {
    signals.async_wait([&, path](const boost::system::error_code& e, int signal) {
        if (e) {
            return;
        }
        if (signal != SIGHUP) {
            PHAROS_LOG(Info, "stopping; the table stays for the next prober");
            run->stop();
            io.stop();
            return;
        }
        if (auto config = conf::loadAndReport(path)) {
            try {
                auto next = startRun(io, std::move(*config));  // takes over the verdicts
                run->stop();
                run = std::move(next);
                PHAROS_LOG(Info, "configuration reloaded from " << path);
            } catch (const std::exception& failure) {
                PHAROS_LOG(Error,
                           "reload failed: " << failure.what()
                                             << "; still probing the previous configuration");
            }
        } else {
            PHAROS_LOG(Error, "reload rejected; still probing the previous configuration");
        }
        handleSignals(signals, path, io, run);
    });
}

}  // namespace

int main(int argc, char** argv) {
    setLogIdent("pharos-health");
    conf::CommandLine cli;
    if (auto exit = conf::parseCommandLine(argc, argv, "pharos-health",
                                           "Probes pharos's pool members and publishes their "
                                           "verdicts in the shared-memory health table.",
                                           cli)) {
        return *exit;
    }
    auto config = conf::loadAndReport(cli.config);
    if (!config) {
        return 1;
    }
    raiseFileLimit();
    try {
        // A reload may rename the table, but the lock stays on the name the prober began with.
        health::ProberLock lock(config->settings.health_table);
        boost::asio::io_context io(1);
        auto run = startRun(io, std::move(*config));
        boost::asio::signal_set signals(io, SIGHUP, SIGTERM, SIGINT);
        handleSignals(signals, cli.config, io, run);
        io.run();
    } catch (const std::exception& e) {
        PHAROS_LOG(Error, e.what());
        return 1;
    }
    return 0;
}
