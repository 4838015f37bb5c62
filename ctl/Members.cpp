// members [POOL]: the pools' members, one per line, so that scripts and the bash completion
// (scripts/completion/pharosctl.bash.in) need not parse YAML themselves.
#include <cstdio>

#include "ctl/Commands.hpp"

namespace pharos::ctl {

int runMembers(const Options& options) {
    if (options.args.size() > 1) {
        std::fprintf(stderr, "usage: pharosctl members [POOL]\n");
        return kExitUsage;
    }
    auto config = loadForCommand(options);
    if (!config) {
        return kExitProblem;
    }
    const std::string* only = options.args.empty() ? nullptr : &options.args[0];
    if (only && config->poolIndex(*only) < 0) {
        std::fprintf(stderr, "pharosctl: no pool %s\n", only->c_str());
        return kExitProblem;
    }
    for (const auto& pool : config->pools) {
        if (only && pool.name != *only) {
            continue;
        }
        for (const auto& m : pool.members) {
            std::printf("%s %s %s\n", pool.name.c_str(), m.name.c_str(),
                        conf::memberTarget(m).c_str());
        }
    }
    return kExitOk;
}

}  // namespace pharos::ctl
