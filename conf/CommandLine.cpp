#include "conf/CommandLine.hpp"

#include <csignal>
#include <cstdio>
#include <string_view>

#include "base/Log.hpp"
#include "conf/ConfigLoader.hpp"

namespace pharos::conf {

std::optional<int> parseCommandLine(int argc, char** argv, const ProgramHelp& help,
                                    CommandLine& out) {
    const char* program = help.name;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            std::fputs(help.text, stdout);
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

std::optional<Config> startProgram(int argc, char** argv, const ProgramHelp& help, CommandLine& cli,
                                   int& exit) {
    std::signal(SIGHUP, SIG_IGN);
    setLogIdent(help.name);
    if (auto code = parseCommandLine(argc, argv, help, cli)) {
        exit = *code;
        return std::nullopt;
    }
    auto config = loadAndReport(cli.config);
    exit = config ? 0 : 1;
    return config;
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
