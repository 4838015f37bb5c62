#include <algorithm>
#include <unordered_map>

#include "conf/DnsName.hpp"
#include "conf/Parsers.hpp"

namespace pharos::conf {
namespace {

// Polaris caps weights at 10; pharos widens the range so finer splits need no extra members.
constexpr int kMaxWeight = 100;

std::optional<IpAddress> readAddress(YamlReader& in, const YAML::Node& map, std::string_view key,
                                     const std::string& path) {
    auto text = in.string(map, key, path, 64);
    if (!text) {
        return std::nullopt;
    }
    auto ip = IpAddress::parse(*text);
    if (!ip) {
        in.error(map[std::string(key)], joinPath(path, key),
                 "expected an IPv4 or IPv6 address, found \"" + *text + "\"");
    }
    return ip;
}

// The most specific region holding the member's address; lb/ uses it for twrr and explain.
int regionOf(const IpAddress& ip, const Topology& topology) {
    int best_prefix = -1;
    int region = -1;
    for (size_t r = 0; r < topology.regions.size(); ++r) {
        for (const auto& cidr : topology.regions[r].cidrs) {
            if (cidr.prefix > best_prefix && cidr.contains(ip)) {
                best_prefix = cidr.prefix;
                region = int(r);
            }
        }
    }
    return region;
}

void parseMember(YamlReader& in, const YAML::Node& node, const std::string& path,
                 const Topology& topology, Pool& pool) {
    if (!in.isMap(node, path)) {
        return;
    }
    in.checkKeys(node, path, {"ip", "name", "weight", "monitor_ip", "monitor_port", "priority"});
    Member m;
    // All three are checked, so one run reports every missing key.
    bool has_ip = in.required(node, "ip", path);
    bool has_name = in.required(node, "name", path);
    bool has_weight = in.required(node, "weight", path);
    if (!has_ip || !has_name || !has_weight) {
        return;
    }
    auto ip = readAddress(in, node, "ip", path);
    auto name = in.string(node, "name", path, 256);
    auto weight = in.integer(node, "weight", path, 0, kMaxWeight);
    if (!ip || !name || !weight) {
        return;
    }
    m.ip = *ip;
    m.name = *name;
    m.weight = int(*weight);
    m.monitor_ip = m.ip;
    if (node["monitor_ip"]) {
        m.monitor_ip = readAddress(in, node, "monitor_ip", path).value_or(m.ip);
    }
    if (node["monitor_port"]) {
        m.monitor_port = uint16_t(in.integer(node, "monitor_port", path, 1, 65535).value_or(0));
    }
    if (node["priority"]) {
        if (pool.lb_method != LbMethod::FoGroup) {
            in.error(node["priority"], joinPath(path, "priority"),
                     "only lb_method fogroup uses member priorities");
        }
        m.priority = int(in.integer(node, "priority", path, 0, 1000).value_or(0));
        pool.uses_priority = true;
    }
    for (const auto& other : pool.members) {
        if (other.ip == m.ip) {
            in.error(node["ip"], joinPath(path, "ip"),
                     "duplicate member address " + m.ip.str() + " in this pool");
            return;
        }
    }
    m.region = regionOf(m.ip, topology);
    if (pool.lb_method == LbMethod::Twrr && m.region < 0 && !topology.regions.empty()) {
        in.error(node["ip"], joinPath(path, "ip"),
                 m.ip.str() + " is in no region of the topology file, which lb_method twrr needs");
    }
    pool.members.push_back(std::move(m));
}

void parseMembers(YamlReader& in, const YAML::Node& node, const std::string& path,
                  const Topology& topology, Pool& pool) {
    std::string where = joinPath(path, "members");
    if (!in.required(node, "members", path) || !in.isList(node["members"], where)) {
        return;
    }
    if (node["members"].size() == 0) {
        in.error(node["members"], where, "a pool needs at least one member");
    }
    for (size_t i = 0; i < node["members"].size(); ++i) {
        parseMember(in, node["members"][i], where + "[" + std::to_string(i) + "]", topology, pool);
    }
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
               std::vector<FallbackRef>& fallbacks, Config& out) {
    std::string path =
        name.find('.') == std::string::npos ? "pools." + name : "pools[" + name + "]";
    if (!in.isMap(node, path)) {
        return;
    }
    in.checkKeys(node, path,
                 {"monitor", "monitor_params", "lb_method", "fallback", "max_addrs_returned",
                  "members", "client_address", "topology_fallback", "chash_prefix_v4",
                  "chash_prefix_v6", "failover_after", "failback", "failover"});
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
    parseMembers(in, node, path, topology, pool);
    out.pools.push_back(std::move(pool));
}

bool validDnsName(const std::string& name) {
    if (name.empty() || name.size() > 253) {
        return false;
    }
    size_t start = 0;
    while (start <= name.size()) {
        size_t dot = name.find('.', start);
        size_t end = dot == std::string::npos ? name.size() : dot;
        if (end == start || end - start > 63) {
            return false;
        }
        if (dot == std::string::npos) {
            return true;
        }
        start = dot + 1;
    }
    return true;
}

void parseGlobalName(YamlReader& in, const YAML::Node& key, const YAML::Node& node, Config& out) {
    std::string raw = key.IsScalar() ? key.Scalar() : "";
    std::string path = "globalnames[" + raw + "]";
    GlobalName gn;
    gn.name = canonicalName(raw);
    if (!validDnsName(gn.name)) {
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
            parsePool(in, name, value, topology, have_topology, distinct, fallbacks, out);
        });
    }
    std::sort(out.pools.begin(), out.pools.end(),
              [](const Pool& a, const Pool& b) { return a.name < b.name; });
    out.pools.shrink_to_fit();  // the vector doubled as it grew: up to half of it spare
    checkFallbackChains(in, fallbacks, out);
    parseMaintenance(in, root, out);
    if (in.required(root, "globalnames", "") && in.isMap(root["globalnames"], "globalnames")) {
        doc.forEach(in, "globalnames", [&](const YAML::Node& key, const YAML::Node& value) {
            parseGlobalName(in, key, value, out);
        });
        out.globalnames.shrink_to_fit();
    }
}

}  // namespace pharos::conf
