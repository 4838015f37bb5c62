// pharosctl: shows and steers a running pharos. Subcommands live in their own files.
#include <cstdio>
#include <cstring>
#include <string>

#include "base/Log.hpp"
#include "ctl/Commands.hpp"

namespace {

constexpr const char* kUsage =
    "NAME\n"
    "    pharosctl - shows and steers a running pharos\n"
    "\n"
    "SYNOPSIS\n"
    "    pharosctl [-c PATH] COMMAND [ARGS]\n"
    "\n"
    "COMMANDS\n"
    "    validate [--lb FILE [--topology FILE]]\n"
    "                       check the configuration; print every error; exit 0 or 1\n"
    "    names              list the globalnames: NAME TTL POOL per line\n"
    "    status [--json]    the health table as the backend sees it, member by member,\n"
    "                       with the overrides; exit 0 when the backend uses its\n"
    "                       verdicts, 1 when it fails open\n"
    "    explain NAME --client IP [--ecs CIDR]\n"
    "                       the answer pharos gives that client for NAME, and why\n"
    "    drain POOL [MEMBER] [--reason TEXT] [--until TIME]\n"
    "                       stop answering the member (every member of POOL without\n"
    "                       MEMBER), even in fallbacks; it is still probed\n"
    "    force-up POOL [MEMBER] [--reason TEXT] [--until TIME]\n"
    "    force-down POOL [MEMBER] [--reason TEXT] [--until TIME]\n"
    "                       the verdict answers use, whatever the probes say\n"
    "    clear POOL [MEMBER]\n"
    "                       back to the probes' verdict\n"
    "    reload             check the configuration, then reload pharos-health and\n"
    "                       pharos-backend; print what changed or every error\n"
    "    failover POOL      approve the failover awaiting approval in POOL\n"
    "                       (failover: manual); answers move by the normal rules\n"
    "    failover POOL MEMBER [--reason TEXT]\n"
    "                       move POOL's answers to MEMBER (fogroup) and keep them\n"
    "                       there until failback, even when the preferred member is up\n"
    "    failback POOL [--reason TEXT]\n"
    "                       let answers held by failback: manual or by failover POOL\n"
    "                       MEMBER return to the normal rules (the preferred member)\n"
    "\n"
    "    MEMBER is a name or an address. TIME is a duration from now (30m, 2h) or a UTC\n"
    "    time (2026-11-25T22:00Z). Overrides take effect within milliseconds and last\n"
    "    across restarts (admin_state); only root, pharos's user and the members of\n"
    "    control.group may set them or reload.\n"
    "\n"
    "OPTIONS\n"
    "    -c, --config PATH  pharos.yaml (default /etc/pharos/pharos.yaml)\n"
    "    -h, --help         show this help\n"
    "    -V, --version      show the version\n"
    "\n"
    "EXIT STATUS\n"
    "    0 done, 1 refused or failed (the reason on stderr), 2 bad command line\n"
    "\n"
    "SEE ALSO\n"
    "    pharos-health --help, pharos-backend --help, /usr/share/doc/pharos/README.md\n";

bool takeValue(int argc, char** argv, int& i, std::string& out) {
    if (i + 1 >= argc) {
        std::fprintf(stderr, "pharosctl: %s needs a value\n", argv[i]);
        return false;
    }
    out = argv[++i];
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    pharos::setLogIdent("pharosctl");
    pharos::setLogLevel(pharos::LogLevel::Warning);
    pharos::ctl::Options options;
    std::string command;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        bool ok = true;
        if (arg == "-h" || arg == "--help") {
            std::fputs(kUsage, stdout);
            return 0;
        } else if (arg == "-V" || arg == "--version") {
            std::printf("pharosctl %s\n", PHAROS_VERSION);
            return 0;
        } else if (arg == "-c" || arg == "--config") {
            ok = takeValue(argc, argv, i, options.config);
        } else if (arg == "--lb") {
            ok = takeValue(argc, argv, i, options.lb_file);
        } else if (arg == "--topology") {
            ok = takeValue(argc, argv, i, options.topology_file);
        } else if (arg == "--client") {
            ok = takeValue(argc, argv, i, options.client);
        } else if (arg == "--ecs") {
            ok = takeValue(argc, argv, i, options.ecs);
        } else if (arg == "--json") {
            options.json = true;
        } else if (arg == "--reason") {
            ok = takeValue(argc, argv, i, options.reason);
        } else if (arg == "--until") {
            ok = takeValue(argc, argv, i, options.until);
        } else if (!arg.empty() && arg[0] == '-') {
            std::fprintf(stderr, "pharosctl: unknown option %s\n%s", arg.c_str(), kUsage);
            return 2;
        } else if (command.empty()) {
            command = arg;
        } else {
            options.args.push_back(arg);
        }
        if (!ok) {
            return 2;
        }
    }
    if (command == "validate") {
        return pharos::ctl::runValidate(options);
    }
    if (command == "names") {
        return pharos::ctl::runNames(options);
    }
    if (command == "status") {
        return pharos::ctl::runStatus(options);
    }
    if (command == "explain") {
        return pharos::ctl::runExplain(options);
    }
    if (command == "drain" || command == "force-up" || command == "force-down" ||
        command == "clear") {
        return pharos::ctl::runOverride(command, options);
    }
    if (command == "reload") {
        return pharos::ctl::runReload(options);
    }
    if (command == "failover" || command == "failback") {
        return pharos::ctl::runFailover(command, options);
    }
    std::fprintf(stderr, "pharosctl: %s\n%s",
                 command.empty() ? "no command given" : ("unknown command " + command).c_str(),
                 kUsage);
    return 2;
}
