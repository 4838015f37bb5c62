// pharos-backend: answers PowerDNS's remote backend for the globalnames.
#include <sys/resource.h>

#include <boost/asio.hpp>
#include <chrono>
#include <csignal>
#include <memory>

#include "backend/ConfigReloader.hpp"
#include "backend/GslbResolver.hpp"
#include "backend/RemoteBackendProtocol.hpp"
#include "backend/UnixSocketServer.hpp"
#include "base/Log.hpp"
#include "conf/CommandLine.hpp"
#include "pharos_backend_help.hpp"
#include "state/TableVerdicts.hpp"
#include "sys/Privileges.hpp"
#include "sys/Systemd.hpp"

namespace {

using namespace pharos;

// Each pdns connection holds a descriptor: raise the soft limit to the hard one and report it.
uint64_t fileLimit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        return 1024;
    }
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    return uint64_t(limit.rlim_cur);
}

// Re-maps the health table when the prober replaced it, off the lookup path. Ten times a
// second (one stat() each): a backend that started before the prober's first table, or saw it
// replaced, fails open only until then, and the first failover after a start keeps its bound.
void scheduleRefresh(boost::asio::steady_timer& timer, backend::GslbResolver& resolver) {
    timer.expires_after(std::chrono::milliseconds(100));
    timer.async_wait([&timer, &resolver](const boost::system::error_code& e) {
        if (e) {
            return;
        }
        resolver.refreshHealth();
        scheduleRefresh(timer, resolver);
    });
}

// Without systemd the backend makes its socket (and /run/pharos when missing); a backend pdns
// cannot reach is no backend, so any failure here ends the start.
std::unique_ptr<backend::UnixSocketServer> ownSocket(boost::asio::io_context& io,
                                                     const std::string& path,
                                                     const std::string& group,
                                                     backend::RemoteBackendProtocol& protocol) {
    try {
        return std::make_unique<backend::UnixSocketServer>(io, path, group, protocol);
    } catch (const std::exception& e) {
        throw std::runtime_error(std::string("backend.socket: ") + e.what());
    }
}

void handleSignals(boost::asio::signal_set& signals, backend::ConfigReloader& reloader,
                   backend::UnixSocketServer& server, boost::asio::io_context& io) {
    signals.async_wait([&](const boost::system::error_code& e, int signal) {
        if (e) {
            return;
        }
        if (signal == SIGHUP) {
            reloader.request();
            handleSignals(signals, reloader, server, io);
            return;
        }
        PHAROS_LOG(Info, "stopping");
        sys::notifySystemd("STOPPING=1");
        server.stop();
        io.stop();
    });
}

}  // namespace

// --help prints docs/man/pharos-backend.8.txt, which the manual page is built from too.
constexpr pharos::conf::ProgramHelp kHelp{"pharos-backend", kPharosBackendHelp};

int main(int argc, char** argv) {
    conf::CommandLine cli;
    int exit = 0;
    auto config = conf::startProgram(argc, argv, kHelp, cli, exit);
    if (!config) {
        return exit;
    }
    conf::applyLogLevel(*config);
    try {
        auto run_as = sys::prepareToRunAs(config->settings.user);
        boost::asio::io_context io(1);
        std::string socket_path = config->settings.backend_socket;
        std::string group = config->settings.socket_group;
        auto health = std::make_unique<state::TableVerdicts>(config->settings.health_table);
        backend::ResolverOptions options;
        options.stats_block = state::statsBlockName(config->settings);
        options.stats_group = config->settings.table_group;
        options.started_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
        backend::GslbResolver resolver(std::move(*config), std::move(health), options);
        backend::RemoteBackendProtocol protocol(resolver);
        // Under socket activation systemd holds the socket even while the backend is down, so
        // pdns can start first and its connects wait instead of failing.
        auto activated = sys::listeningSocketFromSystemd(socket_path);
        auto server = activated
                          ? std::make_unique<backend::UnixSocketServer>(io, *activated, protocol)
                          : ownSocket(io, socket_path, group, protocol);
        if (run_as) {
            sys::becomeUser(*run_as);  // the socket bound and the stats block made
        }
        server->setConnectionLimit(std::min<uint64_t>(resolver.config().settings.max_connections,
                                                      fileLimit() > 64 ? fileLimit() - 64 : 16));
        boost::asio::signal_set signals(io, SIGHUP, SIGTERM, SIGINT);
        backend::ConfigReloader reloader(io, resolver, cli.config);
        handleSignals(signals, reloader, *server, io);
        boost::asio::steady_timer refresh(io);
        scheduleRefresh(refresh, resolver);
        PHAROS_LOG(Info, (activated ? "serving the socket systemd passed for " : "listening on ")
                             << socket_path << " for " << resolver.config().globalnames.size()
                             << " globalnames");
        sys::notifySystemd("READY=1\nSTATUS=serving " +
                           std::to_string(resolver.config().globalnames.size()) + " globalnames");
        io.run();
    } catch (const std::exception& e) {
        PHAROS_LOG(Error, e.what());
        return 1;
    }
    return 0;
}
