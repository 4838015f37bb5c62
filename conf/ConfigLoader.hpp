#pragma once
// Loading is a pure function from files to a model or to every error found, so a reload can be
// tried and rejected without touching the running configuration.
#include <string>
#include <variant>
#include <vector>

#include "conf/Config.hpp"

namespace pharos::conf {

struct ConfigError {
    std::string file;
    int line = 0;     // 1-based; 0 when the error concerns the whole file
    int column = 0;   // 1-based
    std::string key;  // key path, e.g. pools.www-example.members[1].weight
    std::string message;
    std::string str() const;  // file:line:column: key: message
};

using LoadResult = std::variant<Config, std::vector<ConfigError>>;

// Loads pharos.yaml and the LB and topology files it names.
LoadResult loadConfig(const std::string& pharos_yaml);

// Loads a Polaris LB file (and optional topology file) directly, with pharos.yaml defaults for
// everything else: what `pharosctl validate --lb` and the tests use.
LoadResult loadLbFiles(const std::string& lb_yaml, const std::string& topology_yaml);

// The same from in-memory text; `name` stands in for the file name in errors.
LoadResult loadLbText(const std::string& lb_text, const std::string& topology_text,
                      const std::string& lb_name = "<lb>",
                      const std::string& topology_name = "<topology>");

}  // namespace pharos::conf
