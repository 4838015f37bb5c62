#pragma once
// The command line and start-up shared by pharos-backend and pharos-health.
#include <optional>
#include <string>

#include "conf/Config.hpp"

namespace pharos::conf {

struct CommandLine {
    std::string config = "/etc/pharos/pharos.yaml";
};

// What --help prints: the source of the program's manual page (docs/man/NAME.8.txt), which
// the build turns into a header, so the two cannot differ.
struct ProgramHelp {
    const char* name;
    const char* text;
};

// Parses -c/--config, -h/--help, -V/--version. Returns an exit code when the program should
// stop here (help, version, bad arguments), nothing when it should run.
std::optional<int> parseCommandLine(int argc, char** argv, const ProgramHelp& help,
                                    CommandLine& out);

// Loads the configuration, logging every error; nothing when it has errors.
std::optional<Config> loadAndReport(const std::string& path);

// The start both daemons share: SIGHUP ignored until the program installs its own handler
// (a reload sent while it is still starting must not kill it), the log's ident, the command
// line, the configuration loaded with every error logged. Nothing, with `exit` set to the code
// to stop with, when the program should not run (help, version, bad arguments, errors).
std::optional<Config> startProgram(int argc, char** argv, const ProgramHelp& help, CommandLine& cli,
                                   int& exit);

// Applies log_level from the configuration.
void applyLogLevel(const Config& config);

}  // namespace pharos::conf
