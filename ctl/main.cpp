// pharosctl: shows and steers a running pharos. Subcommands live in their own files; the exit
// status follows ctl/ExitStatus.hpp.
#include <cstdio>
#include <cstring>
#include <string>

#include "base/Log.hpp"
#include "ctl/Commands.hpp"
#include "pharosctl_help.hpp"

namespace {

// The text of docs/man/pharosctl.8.txt, which the manual page is built from too.
constexpr const char* kUsage = kPharosctlHelp;

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
            return pharos::ctl::kExitOk;
        } else if (arg == "-V" || arg == "--version") {
            std::printf("pharosctl %s\n", PHAROS_VERSION);
            return pharos::ctl::kExitOk;
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
            return pharos::ctl::kExitUsage;
        } else if (command.empty()) {
            command = arg;
        } else {
            options.args.push_back(arg);
        }
        if (!ok) {
            return pharos::ctl::kExitUsage;
        }
    }
    if (command == "validate") {
        return pharos::ctl::runValidate(options);
    }
    if (command == "names") {
        return pharos::ctl::runNames(options);
    }
    if (command == "members") {
        return pharos::ctl::runMembers(options);
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
    return pharos::ctl::kExitUsage;
}
