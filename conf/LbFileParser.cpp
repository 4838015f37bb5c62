#include <algorithm>
#include <unordered_map>

#include "base/DnsName.hpp"
#include "conf/Parsers.hpp"

namespace pharos::conf {
namespace {

void parseMembers(YamlReader& in, const YAML::Node& node, const std::string& path,
                  const Topology& topology, Pool& pool, std::vector<DependencyRef>& dependencies) {
    std::string where = joinPath(path, "members");
    if (!in.required(node, "members", path) || !in.isList(node["members"], where)) {
        return;
    }
    if (node["members"].size() == 0) {
        in.error(node["members"], where, "a pool needs at least one member");
    }
    for (size_t i = 0; i < node["members"].size(); ++i) {
        parseMember(in, node["members"][i], where + "[" + std::to_string(i) + "]", topology, pool,
                    dependencies);
    }
    checkMembers(in, node, path, pool);
}

void parsePoolOptions(YamlReader& in, const YAML::Node& node, const std::string& path, Pool& pool) {
    if (node["max_addrs_returned"]) {
        pool.max_addrs_returned =
            int(in.integer(node, "max_addrs_returned", path, 1, 1024).value_or(1));
    }
    if (node["client_address"]) {
        if (auto v = in.choice(node, "client_address", path, {"ecs", "resolver"})) {
            pool.client_address = ClientAddressSource(*v);
        }
    }
    if (node["topology_fallback"]) {
        if (pool.lb_method != LbMethod::Twrr) {
            in.error(node["topology_fallback"], joinPath(path, "topology_fallback"),
                     "only lb_method twrr uses topology_fallback");
        }
        if (auto v = in.choice(node, "topology_fallback", path, {"any", "nearest"})) {
            pool.topology_fallback = TopologyFallback(*v);
        }
    }
    for (auto [key, max, field] : {std::tuple{"chash_prefix_v4", 32, &pool.chash_prefix_v4},
                                   std::tuple{"chash_prefix_v6", 128, &pool.chash_prefix_v6}}) {
        if (!node[key]) {
            continue;
        }
        if (pool.lb_method != LbMethod::CHash) {
            in.error(node[key], joinPath(path, key),
                     "only lb_method chash uses " + std::string(key));
        }
        *field = int(in.integer(node, key, path, 0, max).value_or(*field));
    }
}

// Pools with equal monitor settings share one copy. Files have a few distinct monitors; past
// kDistinctKept of them the rest keep their own copies, so a pathological file costs memory,
// not a quadratic load.
constexpr size_t kDistinctKept = 64;

void shareMonitorParams(Pool& pool, std::vector<CopyOnWrite<MonitorParams>>& distinct) {
    for (const auto& params : distinct) {
        if (params == pool.params) {
            pool.params = params;
            return;
        }
    }
    if (distinct.size() < kDistinctKept) {
        distinct.push_back(pool.params);
    }
}

void parsePool(YamlReader& in, const std::string& name, const YAML::Node& node,
               const Topology& topology, bool have_topology,
               std::vector<CopyOnWrite<MonitorParams>>& distinct,
               std::vector<FallbackRef>& fallbacks, std::vector<DependencyRef>& dependencies,
               Config& out) {
    std::string path =
        name.find('.') == std::string::npos ? "pools." + name : "pools[" + name + "]";
    if (!in.isMap(node, path)) {
        return;
    }
    in.checkKeys(
        node, path,
        {"monitor", "monitor_params", "lb_method", "fallback", "max_addrs_returned", "members",
         "client_address", "topology_fallback", "chash_prefix_v4", "chash_prefix_v6",
         "failover_after", "failback", "failover", "alert_only", "health_quorum"});
    Pool pool;
    pool.name = name;
    parseMonitor(in, node, path, pool);
    shareMonitorParams(pool, distinct);
    if (in.required(node, "lb_method", path)) {
        if (auto v = in.choice(node, "lb_method", path, {"wrr", "twrr", "fogroup", "chash"})) {
            pool.lb_method = LbMethod(*v);
        }
    }
    if (pool.lb_method == LbMethod::Twrr && !have_topology) {
        in.error(node["lb_method"], joinPath(path, "lb_method"),
                 "twrr needs a topology file (pharos.yaml key `topology`)");
    }
    parsePoolOptions(in, node, path, pool);
    parsePoolPolicies(in, node, path, pool, fallbacks);
    if (node["alert_only"]) {
        pool.alert_only = in.boolean(node, "alert_only", path).value_or(false);
    }
    if (node["health_quorum"]) {
        if (auto v = in.choice(node, "health_quorum", path, {"local", "any", "majority", "all"})) {
            pool.health_quorum = HealthQuorum(*v);
        }
    }
    parseMembers(in, node, path, topology, pool, dependencies);
    out.pools.push_back(std::move(pool));
}

void parseGlobalName(YamlReader& in, const YAML::Node& key, const YAML::Node& node, Config& out) {
    std::string raw = key.IsScalar() ? key.Scalar() : "";
    std::string path = "globalnames[" + raw + "]";
    GlobalName gn;
    gn.name = base::canonicalName(raw);
    if (!base::validDnsName(gn.name)) {
        in.error(key, path, "not a valid DNS name (labels of 1-63 characters, 253 in all)");
        return;
    }
    // finalizeLayout() rebuilds the index; here it finds duplicates without a quadratic scan.
    if (!out.globalname_index.emplace(gn.name, int(out.globalnames.size())).second) {
        in.error(key, path,
                 "the same name as another globalname (names ignore case and the trailing dot)");
        return;
    }
    if (!in.isMap(node, path)) {
        return;
    }
    in.checkKeys(node, path, {"pool", "ttl"});
    if (in.required(node, "pool", path)) {
        gn.pool = in.string(node, "pool", path, 256).value_or("");
        if (!gn.pool.empty() && out.poolIndex(gn.pool) < 0) {
            std::vector<std::string> names;
            for (const auto& p : out.pools) {
                names.push_back(p.name);
            }
            in.error(node["pool"], joinPath(path, "pool"),
                     "no pool named \"" + gn.pool + "\"" + didYouMean(gn.pool, names));
        }
    }
    if (in.required(node, "ttl", path)) {
        gn.ttl = uint32_t(in.integer(node, "ttl", path, 1, 2147483647).value_or(0));
    }
    out.globalnames.push_back(std::move(gn));
}

}  // namespace

void parseLbFile(YamlReader& in, const ChunkedYaml& doc, const Topology& topology, Config& out) {
    const YAML::Node& root = doc.root();
    if (!in.isMap(root, "")) {
        return;
    }
    in.checkKeys(root, "", {"pools", "globalnames", "maintenance"});
    bool have_topology = !topology.regions.empty();
    std::vector<FallbackRef> fallbacks;
    std::vector<DependencyRef> dependencies;
    if (in.required(root, "pools", "") && in.isMap(root["pools"], "pools")) {
        std::unordered_map<std::string, int> lines;  // where each pool name was first seen
        std::vector<CopyOnWrite<MonitorParams>> distinct;
        doc.forEach(in, "pools", [&](const YAML::Node& key, const YAML::Node& value) {
            std::string name = key.IsScalar() ? key.Scalar() : "";
            if (name.empty() || name.size() > 256) {
                in.error(key, "pools", "a pool name is a string of 1-256 characters");
                return;
            }
            int line = in.lineOf(key);
            if (auto [it, fresh] = lines.emplace(name, line); !fresh) {
                in.error(key, "pools." + name,
                         "a pool of this name is defined already, on line " +
                             std::to_string(it->second));
                return;
            }
            parsePool(in, name, value, topology, have_topology, distinct, fallbacks, dependencies,
                      out);
        });
    }
    std::sort(out.pools.begin(), out.pools.end(),
              [](const Pool& a, const Pool& b) { return a.name < b.name; });
    out.pools.shrink_to_fit();  // the vector doubled as it grew: up to half of it spare
    checkFallbackChains(in, fallbacks, out);
    resolveDependencies(in, dependencies, out);
    parseMaintenance(in, root, out);
    if (in.required(root, "globalnames", "") && in.isMap(root["globalnames"], "globalnames")) {
        doc.forEach(in, "globalnames", [&](const YAML::Node& key, const YAML::Node& value) {
            parseGlobalName(in, key, value, out);
        });
        out.globalnames.shrink_to_fit();
    }
}

}  // namespace pharos::conf
