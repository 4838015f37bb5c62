#include <cstdio>

#include "conf/ConfigLoader.hpp"
#include "ctl/Commands.hpp"

namespace pharos::ctl {

// Prints "<globalname> <ttl> <pool>" per line, for scripts (scripts/pharos-zone.sh) that must
// not parse YAML themselves.
std::optional<conf::Config> loadForCommand(const Options& options) {
    auto result = conf::loadConfig(options.config);
    if (auto* errors = std::get_if<std::vector<conf::ConfigError>>(&result)) {
        for (const auto& e : *errors) {
            std::fprintf(stderr, "%s\n", e.str().c_str());
        }
        return std::nullopt;
    }
    return std::move(std::get<conf::Config>(result));
}

int runNames(const Options& options) {
    auto config = loadForCommand(options);
    if (!config) {
        return kExitProblem;
    }
    for (const auto& gn : config->globalnames) {
        std::printf("%s %u %s\n", gn.name.c_str(), gn.ttl, gn.pool.c_str());
    }
    return kExitOk;
}

}  // namespace pharos::ctl
