#pragma once
// The parsers behind loadConfig(), one per file kind. Each records errors in the reader and
// returns what it could build; loadConfig() only trusts the result when no error was recorded.
#include <yaml-cpp/yaml.h>

#include "conf/ChunkedYaml.hpp"
#include "conf/Config.hpp"
#include "conf/YamlReader.hpp"

namespace pharos::conf {

// pharos.yaml. `dir` is the folder of pharos.yaml, against which lb/topology paths resolve.
Settings parseSettings(YamlReader& in, const YAML::Node& root, const std::string& dir);

// polaris-topology.yaml (region -> CIDR list, or the pharos map form with neighbours).
Topology parseTopology(YamlReader& in, const YAML::Node& root);

// monitor + monitor_params of one pool.
void parseMonitor(YamlReader& in, const YAML::Node& pool, const std::string& path, Pool& out);

// Where a pool's `fallback: pool:NAME` was written, to check the chain once every pool is read.
struct FallbackRef {
    std::string pool;
    std::string target;
    int line = 0;  // in the file, 1-based
    int column = 0;
    std::string key;
};

// A pool's DR-policy keys: fallback (any, refuse, pool:NAME), failover_after, failback,
// failover. Needs pool.lb_method.
void parsePoolPolicies(YamlReader& in, const YAML::Node& pool, const std::string& path, Pool& out,
                       std::vector<FallbackRef>& refs);
// Fallback pools that do not exist, and chains that loop. Needs the pools sorted.
void checkFallbackChains(YamlReader& in, const std::vector<FallbackRef>& refs,
                         const Config& config);
// The top-level `maintenance:` list. Needs the pools sorted.
void parseMaintenance(YamlReader& in, const YAML::Node& root, Config& out);

// polaris-lb.yaml, its pools and globalnames read an entry at a time. Needs the topology to
// place twrr members in regions.
void parseLbFile(YamlReader& in, const ChunkedYaml& doc, const Topology& topology, Config& out);

}  // namespace pharos::conf
