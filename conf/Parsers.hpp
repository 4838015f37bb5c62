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

// pharos.yaml's `notify` and `node_name`.
void parseNotify(YamlReader& in, const YAML::Node& root, Settings& out);

// http[s]://HOST[:PORT][/PATH] into out's scheme, host, port and target; HOST a name, an IPv4
// address or [IPv6]. False when malformed.
bool splitUrl(const std::string& url, WebhookTarget& out);

// pharos.yaml's `cluster:`; relative TLS file names resolve against `dir`, pharos.yaml's folder.
void parseCluster(YamlReader& in, const YAML::Node& root, const std::string& dir, Settings& out);

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

// A mark at a line and column already in file terms (lineOf() added the piece's offset), for
// errors found once every pool is read and the pieces are gone.
YAML::Mark markAt(int line, int column);

// Where a member's `depends_on` entry was written, to resolve it once every pool is read.
struct DependencyRef {
    std::string pool;  // the pool of the member that depends
    size_t member = 0;
    size_t index = 0;  // into the member's depends_on
    int line = 0;
    int column = 0;
    std::string key;
};
// Resolves every depends_on entry (POOL/MEMBER, the member by name or address) and refuses
// unknown members and cycles. Needs the pools sorted.
void resolveDependencies(YamlReader& in, const std::vector<DependencyRef>& refs, Config& config);

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
// One entry of a pool's `members` list.
void parseMember(YamlReader& in, const YAML::Node& node, const std::string& path,
                 const Topology& topology, Pool& pool, std::vector<DependencyRef>& dependencies);
// After a pool's members: the rules that hold between them (cname mixing, methods).
void checkMembers(YamlReader& in, const YAML::Node& node, const std::string& path, Pool& pool);

void parseLbFile(YamlReader& in, const ChunkedYaml& doc, const Topology& topology, Config& out);

}  // namespace pharos::conf
