// failover, failback: the operator's side of the DR policies, through pharos-health.
#include <cstdio>
#include <cstdlib>

#include "ctl/Commands.hpp"
#include "ctl/ControlClient.hpp"

namespace pharos::ctl {

int runFailover(const std::string& command, const Options& options) {
    bool failover = command == "failover";
    if (options.args.empty() || options.args.size() > (failover ? 2u : 1u)) {
        std::fprintf(stderr,
                     "usage: pharosctl failover POOL [MEMBER] [--reason TEXT]\n"
                     "       pharosctl failback POOL [--reason TEXT]\n");
        return kExitUsage;
    }
    auto config = loadForCommand(options);
    if (!config) {
        return kExitProblem;
    }
    nlohmann::json request = {{"command", command},
                              {"pool", options.args[0]},
                              {"member", options.args.size() > 1 ? options.args[1] : ""},
                              {"reason", options.reason}};
    auto reply = commandProber(config->settings.control_socket, request);
    if (!reply) {
        return reply.failure;
    }
    const auto& members = (*reply)["members"];
    if (!failover) {
        std::printf("pool %s: answers follow the normal rules again (were held on %s)\n",
                    options.args[0].c_str(), members[0].get<std::string>().c_str());
    } else if (members.is_string()) {
        std::printf("pool %s: answers moved to %s until pharosctl failback %s\n",
                    options.args[0].c_str(), members.get<std::string>().c_str(),
                    options.args[0].c_str());
    } else {
        for (const auto& m : members) {
            std::printf("pool %s: failover from %s approved\n", options.args[0].c_str(),
                        m.get<std::string>().c_str());
        }
    }
    return kExitOk;
}

}  // namespace pharos::ctl
