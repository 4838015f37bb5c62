#include <cstdio>

#include "conf/ConfigLoader.hpp"
#include "ctl/Commands.hpp"

namespace pharos::ctl {

int runValidate(const Options& options) {
    auto result = options.lb_file.empty()
                      ? conf::loadConfig(options.config)
                      : conf::loadLbFiles(options.lb_file, options.topology_file);
    if (auto* errors = std::get_if<std::vector<conf::ConfigError>>(&result)) {
        for (const auto& e : *errors) {
            std::fprintf(stderr, "%s\n", e.str().c_str());
        }
        std::fprintf(stderr, "%zu error%s\n", errors->size(), errors->size() == 1 ? "" : "s");
        return kExitProblem;
    }
    const auto& config = std::get<conf::Config>(result);
    std::printf("ok: %zu pools, %zu globalnames, %zu regions, %u health slots (layout %016llx)\n",
                config.pools.size(), config.globalnames.size(), config.topology.regions.size(),
                config.slot_count, static_cast<unsigned long long>(config.layout_hash));
    return kExitOk;
}

}  // namespace pharos::ctl
