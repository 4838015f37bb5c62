#pragma once
// pharosctl's subcommands, one file each; main.cpp only parses the command line.
#include <optional>
#include <string>
#include <vector>

#include "conf/Config.hpp"
#include "ctl/ExitStatus.hpp"

namespace pharos::ctl {

struct Options {
    std::string config = "/etc/pharos/pharos.yaml";
    std::string lb_file;            // validate --lb FILE: check a Polaris LB file alone
    std::string topology_file;      // validate --topology FILE
    std::vector<std::string> args;  // positional arguments after the subcommand
    std::string client;             // explain --client IP
    std::string ecs;                // explain --ecs CIDR
    bool json = false;              // status --json
    std::string reason;             // drain/force-*/failover/failback --reason TEXT
    std::string until;              // drain/force-* --until TIME
};

// Loads -c's configuration, printing every error; nothing when it has errors.
std::optional<conf::Config> loadForCommand(const Options& options);

int runValidate(const Options& options);
int runNames(const Options& options);
// members [POOL]: POOL MEMBER ADDRESS per line, for scripts and the bash completion.
int runMembers(const Options& options);
int runStatus(const Options& options);
int runExplain(const Options& options);
// drain, force-up, force-down, clear.
int runOverride(const std::string& command, const Options& options);
int runReload(const Options& options);
// failover, failback.
int runFailover(const std::string& command, const Options& options);

}  // namespace pharos::ctl
