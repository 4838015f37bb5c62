// pharos-health: probes every pool member and publishes verdicts in the shared health table.
#include <sys/resource.h>

#include <boost/asio.hpp>
#include <csignal>
#include <memory>

#include "base/Log.hpp"
#include "conf/CommandLine.hpp"
#include "health/Prober.hpp"
#include "health/ProberLock.hpp"
#include "pharos_health_help.hpp"
#include "sys/Privileges.hpp"
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

// --help prints docs/man/pharos-health.8.txt, which the manual page is built from too.
constexpr pharos::conf::ProgramHelp kHelp{"pharos-health", kPharosHealthHelp};

int main(int argc, char** argv) {
    conf::CommandLine cli;
    int exit = 0;
    auto config = conf::startProgram(argc, argv, kHelp, cli, exit);
    if (!config) {
        return exit;
    }
    raiseFileLimit();
    try {
        auto run_as = sys::prepareToRunAs(config->settings.user);
        // A reload may rename the table, but the lock stays on the name the prober began with.
        health::ProberLock lock(config->settings.health_table);
        boost::asio::io_context io(1);
        health::Prober prober(io, cli.config, std::move(*config));
        if (run_as) {
            sys::becomeUser(*run_as);  // sockets bound and the table made: root is done
        }
        boost::asio::signal_set signals(io, SIGHUP, SIGTERM, SIGINT);
        handleSignals(signals, io, prober);
        io.run();
    } catch (const std::exception& e) {
        PHAROS_LOG(Error, e.what());
        return 1;
    }
    return 0;
}
