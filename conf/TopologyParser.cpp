#include <map>

#include "conf/Parsers.hpp"

namespace pharos::conf {
namespace {

void parseCidrs(YamlReader& in, const YAML::Node& list, const std::string& path, Region& out) {
    if (!in.isList(list, path)) {
        return;
    }
    for (size_t i = 0; i < list.size(); ++i) {
        std::string where = path + "[" + std::to_string(i) + "]";
        const YAML::Node& item = list[i];
        auto cidr = item.IsScalar() ? base::Cidr::parse(item.Scalar()) : std::nullopt;
        if (!cidr) {
            in.error(item, where,
                     "expected a network in CIDR form with no host bits set (10.1.0.0/16), "
                     "found " +
                         (item.IsScalar() ? "\"" + item.Scalar() + "\"" : "a non-string"));
            continue;
        }
        out.cidrs.push_back(*cidr);
    }
}

// Equal-length overlapping prefixes are the same network; in two regions the answer for a
// client inside it would be undefined (it is in Polaris), so it is rejected.
void checkOverlaps(YamlReader& in, const YAML::Node& root, const Topology& topology) {
    std::map<std::pair<base::IpAddress, int>, size_t> owner;
    for (size_t r = 0; r < topology.regions.size(); ++r) {
        for (const auto& cidr : topology.regions[r].cidrs) {
            auto [it, inserted] = owner.emplace(std::make_pair(cidr.address, cidr.prefix), r);
            if (inserted) {
                continue;
            }
            const auto& name = topology.regions[r].name;
            std::string other = topology.regions[it->second].name;
            in.error(root[name], name,
                     cidr.str() + (it->second == r ? " is listed twice"
                                                   : " is also in region \"" + other + "\""));
        }
    }
}

void parseNeighbours(YamlReader& in, const YAML::Node& root, Topology& topology) {
    for (size_t r = 0; r < topology.regions.size(); ++r) {
        const auto& name = topology.regions[r].name;
        YAML::Node node = root[name];
        if (!node.IsMap() || !node["neighbours"]) {
            continue;
        }
        std::string path = name + ".neighbours";
        if (!in.isList(node["neighbours"], path)) {
            continue;
        }
        for (size_t i = 0; i < node["neighbours"].size(); ++i) {
            YAML::Node item = node["neighbours"][i];
            std::string where = path + "[" + std::to_string(i) + "]";
            int index = item.IsScalar() ? topology.regionIndex(item.Scalar()) : -1;
            auto& list = topology.regions[r].neighbours;
            if (index < 0) {
                in.error(item, where, "not a region of this topology file");
            } else if (size_t(index) == r) {
                in.error(item, where, "a region cannot be its own neighbour");
            } else if (std::find(list.begin(), list.end(), index) != list.end()) {
                in.error(item, where, "listed twice");
            } else {
                list.push_back(index);
            }
        }
    }
}

}  // namespace

Topology parseTopology(YamlReader& in, const YAML::Node& root) {
    Topology topology;
    if (root.IsNull()) {
        return topology;
    }
    if (!in.isMap(root, "")) {
        return topology;
    }
    for (const auto& kv : root) {
        Region region;
        region.name = kv.first.IsScalar() ? kv.first.Scalar() : "";
        if (region.name.empty() || region.name == "_default") {
            in.error(kv.first, region.name,
                     "\"_default\" and empty names are reserved and cannot name a region");
            continue;
        }
        if (topology.regionIndex(region.name) >= 0) {
            in.error(kv.first, region.name, "duplicate region");
            continue;
        }
        const YAML::Node& value = kv.second;
        if (value.IsMap()) {  // pharos form: {cidrs: [...], neighbours: [...]}
            in.checkKeys(value, region.name, {"cidrs", "neighbours"});
            if (in.required(value, "cidrs", region.name)) {
                parseCidrs(in, value["cidrs"], region.name + ".cidrs", region);
            }
        } else {
            parseCidrs(in, value, region.name, region);
        }
        topology.regions.push_back(std::move(region));
    }
    parseNeighbours(in, root, topology);
    checkOverlaps(in, root, topology);
    return topology;
}

}  // namespace pharos::conf
