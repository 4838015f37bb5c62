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

// polaris-lb.yaml, its pools and globalnames read an entry at a time. Needs the topology to
// place twrr members in regions.
void parseLbFile(YamlReader& in, const ChunkedYaml& doc, const Topology& topology, Config& out);

}  // namespace pharos::conf
