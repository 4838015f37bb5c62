// pharos-health: probes every pool member and publishes verdicts in the shared health table.
#include <sys/resource.h>

#include <boost/asio.hpp>
#include <memory>

#include "conf/CommandLine.hpp"
#include "conf/Log.hpp"
#include "health/Prober.hpp"
#include "health/ProberLock.hpp"
#include "sys/Systemd.hpp"

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

void handleSignals(boost::asio::signal_set& signals, boost::asio::io_context& io,
                   health::Prober& prober) {
    signals.async_wait([&](const boost::system::error_code& e, int signal) {
        if (e) {
            return;
        }
        if (signal != SIGHUP) {
            PHAROS_LOG(Info, "stopping; the table stays for the next prober");
            sys::notifySystemd("STOPPING=1");
            prober.stop();
            io.stop();
            return;
        }
        sys::notifySystemd("RELOADING=1");
        prober.reload();
        sys::notifySystemd("READY=1");
        handleSignals(signals, io, prober);
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
        health::Prober prober(io, cli.config, std::move(*config));
        boost::asio::signal_set signals(io, SIGHUP, SIGTERM, SIGINT);
        handleSignals(signals, io, prober);
        io.run();
    } catch (const std::exception& e) {
        PHAROS_LOG(Error, e.what());
        return 1;
    }
    return 0;
}
