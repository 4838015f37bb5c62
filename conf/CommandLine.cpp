#include "conf/CommandLine.hpp"

#include <cstdio>
#include <string_view>

#include "base/Log.hpp"
#include "conf/ConfigLoader.hpp"

namespace pharos::conf {

namespace {

void printHelp(const ProgramHelp& h) {
    std::printf(
        "NAME\n    %s - %s\n\n"
        "SYNOPSIS\n    %s [-c PATH]\n\n"
        "DESCRIPTION\n%s\n"
        "OPTIONS\n"
        "    -c, --config PATH  pharos.yaml (default /etc/pharos/pharos.yaml)\n"
        "    -h, --help         show this help\n"
        "    -V, --version      show the version\n\n"
        "FILES\n%s\n"
        "SIGNALS\n%s\n"
        "EXIT STATUS\n"
        "    0 after SIGTERM, 1 when the configuration or a socket is unusable at start, 2 for a\n"
        "    bad command line.\n\n"
        "SEE ALSO\n"
        "    pharosctl --help, /usr/share/doc/pharos/README.md, docs/ARCHITECTURE.md\n",
        h.name, h.summary, h.name, h.description, h.files, h.signals);
}

}  // namespace

std::optional<int> parseCommandLine(int argc, char** argv, const ProgramHelp& help,
                                    CommandLine& out) {
    const char* program = help.name;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            printHelp(help);
            return 0;
        }
        if (arg == "-V" || arg == "--version") {
            std::printf("%s %s\n", program, PHAROS_VERSION);
            return 0;
        }
        if ((arg == "-c" || arg == "--config") && i + 1 < argc) {
            out.config = argv[++i];
            continue;
        }
        std::fprintf(stderr, "%s: unexpected argument %s (try --help)\n", program, argv[i]);
        return 2;
    }
    return std::nullopt;
}

std::optional<Config> loadAndReport(const std::string& path) {
    auto result = loadConfig(path);
    if (auto* errors = std::get_if<std::vector<ConfigError>>(&result)) {
        for (const auto& e : *errors) {
            PHAROS_LOG(Error, e.str());
        }
        PHAROS_LOG(Error, path << ": " << errors->size() << " configuration error"
                               << (errors->size() == 1 ? "" : "s"));
        return std::nullopt;
    }
    return std::move(std::get<Config>(result));
}

void applyLogLevel(const Config& config) {
    LogLevel level = LogLevel::Info;
    parseLogLevel(config.settings.log_level, level);
    setLogLevel(level);
}

}  // namespace pharos::conf
