// One member of a pool: an address (`ip`, Polaris) or a name (`cname`, pharos), and the
// pharos keys that shape its health: monitor_ip/monitor_port, priority, alert_only, depends_on.
#include <algorithm>
#include <cctype>

#include "base/DnsName.hpp"
#include "conf/Parsers.hpp"

namespace pharos::conf {
namespace {

// Polaris caps weights at 10; pharos widens the range so finer splits need no extra members.
constexpr int kMaxWeight = 100;

std::optional<base::IpAddress> readAddress(YamlReader& in, const YAML::Node& map,
                                           std::string_view key, const std::string& path) {
    auto text = in.string(map, key, path, 64);
    if (!text) {
        return std::nullopt;
    }
    auto ip = base::IpAddress::parse(*text);
    if (!ip) {
        in.error(map[std::string(key)], joinPath(path, key),
                 "expected an IPv4 or IPv6 address, found \"" + *text + "\"");
    }
    return ip;
}

// The most specific region holding the member's address; lb/ uses it for twrr and explain.
int regionOf(const base::IpAddress& ip, const Topology& topology) {
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

// `ip:` or `cname:`, exactly one. False when neither could be read.
bool readTarget(YamlReader& in, const YAML::Node& node, const std::string& path, Member& m) {
    bool has_ip = bool(node["ip"]);
    bool has_cname = bool(node["cname"]);
    if (has_ip == has_cname) {
        in.error(node, joinPath(path, has_ip ? "cname" : "ip"),
                 has_ip ? "a member has an ip or a cname, not both"
                        : "required key is missing: ip (an address) or cname (a name)");
        return false;
    }
    if (has_ip) {
        auto ip = readAddress(in, node, "ip", path);
        m.ip = ip.value_or(base::IpAddress{});
        return ip.has_value();
    }
    auto text = in.string(node, "cname", path, 254);
    if (!text) {
        return false;
    }
    m.cname = base::canonicalName(*text);
    // Host-name characters only: the name goes into pdns's JSON and DNS answers as it is, and
    // overrides and dependencies name members by it, so it must not read as an address.
    bool hostname = std::all_of(m.cname.begin(), m.cname.end(), [](char c) {
        return std::isalnum(uint8_t(c)) || c == '-' || c == '_' || c == '.';
    });
    if (!base::validDnsName(m.cname) || !hostname || base::IpAddress::parse(m.cname)) {
        in.error(node["cname"], joinPath(path, "cname"),
                 "not a host name (letters, digits, '-' and '_' in labels of 1-63 characters, "
                 "253 in all; not an address)");
        return false;
    }
    return true;
}

bool isDuplicate(YamlReader& in, const YAML::Node& node, const std::string& path, const Pool& pool,
                 const Member& m) {
    for (const auto& other : pool.members) {
        if (other.isCname() == m.isCname() &&
            (m.isCname() ? other.cname == m.cname : other.ip == m.ip)) {
            const char* key = m.isCname() ? "cname" : "ip";
            in.error(node[key], joinPath(path, key),
                     std::string("duplicate member ") + (m.isCname() ? "name " : "address ") +
                         memberTarget(m) + " in this pool");
            return true;
        }
    }
    return false;
}

void parseDependsOn(YamlReader& in, const YAML::Node& node, const std::string& path,
                    const Pool& pool, Member& m, std::vector<DependencyRef>& dependencies) {
    std::string where = joinPath(path, "depends_on");
    const YAML::Node& list = node["depends_on"];
    if (!in.isList(list, where)) {
        return;
    }
    for (size_t i = 0; i < list.size() && i < 64; ++i) {
        std::string at = where + "[" + std::to_string(i) + "]";
        std::string text = list[i].IsScalar() ? list[i].Scalar() : "";
        if (text.find('/') == std::string::npos || text.size() > 600) {
            in.error(list[i], at, "expected POOL/MEMBER (the member by its name or address)");
            continue;
        }
        dependencies.push_back({pool.name, pool.members.size(), m.depends_on.size(),
                                in.lineOf(list[i]), list[i].Mark().column + 1, at});
        m.depends_on.push_back({text, -1, 0});
    }
    if (list.size() > 64) {
        in.error(list, where, "at most 64 dependencies per member");
    }
}

void readOptions(YamlReader& in, const YAML::Node& node, const std::string& path, Pool& pool,
                 Member& m) {
    m.monitor_ip = m.ip;
    m.probe_by_name = m.isCname();
    if (node["monitor_ip"]) {
        if (auto ip = readAddress(in, node, "monitor_ip", path)) {
            m.monitor_ip = *ip;
            m.probe_by_name = false;
        }
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
    m.alert_only = pool.alert_only;
    if (node["alert_only"]) {
        m.alert_only = in.boolean(node, "alert_only", path).value_or(pool.alert_only);
    }
}

}  // namespace

void parseMember(YamlReader& in, const YAML::Node& node, const std::string& path,
                 const Topology& topology, Pool& pool, std::vector<DependencyRef>& dependencies) {
    if (!in.isMap(node, path)) {
        return;
    }
    in.checkKeys(node, path,
                 {"ip", "cname", "name", "weight", "monitor_ip", "monitor_port", "priority",
                  "alert_only", "depends_on"});
    Member m;
    // Every required key is checked, so one run reports every missing one.
    bool has_target = readTarget(in, node, path, m);
    bool has_name = in.required(node, "name", path);
    bool has_weight = in.required(node, "weight", path);
    if (!has_target || !has_name || !has_weight) {
        return;
    }
    auto name = in.string(node, "name", path, 256);
    auto weight = in.integer(node, "weight", path, 0, kMaxWeight);
    if (!name || !weight) {
        return;
    }
    m.name = *name;
    m.weight = int(*weight);
    readOptions(in, node, path, pool, m);
    if (isDuplicate(in, node, path, pool, m)) {
        return;
    }
    if (node["depends_on"]) {
        parseDependsOn(in, node, path, pool, m, dependencies);
    }
    if (!m.isCname()) {
        m.region = regionOf(m.ip, topology);
        if (pool.lb_method == LbMethod::Twrr && m.region < 0 && !topology.regions.empty()) {
            in.error(
                node["ip"], joinPath(path, "ip"),
                m.ip.str() + " is in no region of the topology file, which lb_method twrr needs");
        }
    } else if (pool.lb_method == LbMethod::Twrr) {
        in.error(node["cname"], joinPath(path, "cname"),
                 "lb_method twrr places members by their address, and a cname member has none");
    }
    pool.has_cname = pool.has_cname || m.isCname();
    pool.members.push_back(std::move(m));
}

void checkMembers(YamlReader& in, const YAML::Node& node, const std::string& path, Pool& pool) {
    bool addresses = std::any_of(pool.members.begin(), pool.members.end(),
                                 [](const Member& m) { return !m.isCname(); });
    if (pool.has_cname && addresses && pool.lb_method != LbMethod::FoGroup) {
        // A CNAME owns its name alone (RFC 1034 3.6.2): a draw that could pick a CNAME for one
        // query and addresses for the next would still be legal, but a pool that answers
        // both families at once cannot add a CNAME beside them. fogroup picks one member.
        in.error(node["lb_method"], joinPath(path, "lb_method"),
                 "a pool that mixes cname and ip members must be fogroup: a name answers one "
                 "CNAME and no other record beside it");
    }
}

}  // namespace pharos::conf
