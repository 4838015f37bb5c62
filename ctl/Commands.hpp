#pragma once
// pharosctl's subcommands, one file each; main.cpp only parses the command line.
#include <string>
#include <vector>

namespace pharos::ctl {

struct Options {
    std::string config = "/etc/pharos/pharos.yaml";
    std::string lb_file;            // validate --lb FILE: check a Polaris LB file alone
    std::string topology_file;      // validate --topology FILE
    std::vector<std::string> args;  // positional arguments after the subcommand
    std::string client;             // explain --client IP
    std::string ecs;                // explain --ecs CIDR
};

int runValidate(const Options& options);
int runNames(const Options& options);

}  // namespace pharos::ctl
