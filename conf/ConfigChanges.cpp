// describeChanges(): what a reload changes, in words.
#include <map>

#include "conf/Config.hpp"

namespace pharos::conf {
namespace {

std::string memberText(const Member& m) {
    return m.name + " " + memberTarget(m);
}

template <class Diff>
void clusterChanges(const ClusterSettings& a, const ClusterSettings& b, Diff& diff) {
    auto urls = [](const ClusterSettings& c) {
        std::string out;
        for (const auto& e : c.etcd) {
            out += (out.empty() ? "" : ",") + e.url;
        }
        return out.empty() ? std::string("(standalone)") : out;
    };
    // The prober's link to etcd is made once, at start.
    diff("cluster.etcd", urls(a), urls(b), true);
    diff("cluster.node", a.node, b.node, true);
    diff("cluster.site", a.site, b.site, true);
    diff("cluster.prefix", a.prefix, b.prefix, true);
    diff("cluster.lease_ttl", std::to_string(int(a.lease_ttl.count())),
         std::to_string(int(b.lease_ttl.count())), true);
    diff("cluster.tls", a.cert_file + a.key_file + a.ca_file, b.cert_file + b.key_file + b.ca_file,
         true);
}

void settingChanges(const Settings& a, const Settings& b, std::vector<std::string>& out) {
    auto diff = [&](const char* key, const std::string& x, const std::string& y,
                    bool restart = false) {
        if (x != y) {
            out.push_back(std::string("setting ") + key + ": " + x + " -> " + y +
                          (restart ? " (takes effect when the process restarts)" : ""));
        }
    };
    diff("lb", a.lb_file, b.lb_file);
    diff("topology", a.topology_file, b.topology_file);
    diff("backend.socket", a.backend_socket, b.backend_socket, true);
    diff("backend.socket_group", a.socket_group, b.socket_group, true);
    diff("health.table", a.health_table, b.health_table);
    diff("health.table_group", a.table_group, b.table_group);
    diff("health.max_in_flight", std::to_string(a.max_in_flight), std::to_string(b.max_in_flight));
    diff("health.stale_after", std::to_string(a.stale_after.count()),
         std::to_string(b.stale_after.count()));
    diff("health.on_stale", toString(a.on_stale), toString(b.on_stale));
    diff("admin_state", a.admin_state, b.admin_state);
    diff("control.socket", a.control_socket, b.control_socket, true);
    diff("control.group", a.control_group, b.control_group);
    diff("http.listen", a.http_listen, b.http_listen, true);
    diff("log_level", a.log_level, b.log_level);
    clusterChanges(a.cluster, b.cluster, diff);
}

void poolChanges(const Pool& a, const Pool& b, std::vector<std::string>& out) {
    std::string p = "pool " + a.name + ": ";
    if (a.monitor != b.monitor || !(a.params == b.params)) {
        out.push_back(p + "monitor settings changed");
    }
    if (a.lb_method != b.lb_method || a.fallback != b.fallback ||
        a.max_addrs_returned != b.max_addrs_returned || a.client_address != b.client_address ||
        a.topology_fallback != b.topology_fallback || a.chash_prefix_v4 != b.chash_prefix_v4 ||
        a.chash_prefix_v6 != b.chash_prefix_v6 || a.fallback_pool != b.fallback_pool) {
        out.push_back(p + "load-balancing settings changed");
    }
    if (a.failover_after != b.failover_after || a.failback != b.failback ||
        a.failover != b.failover || a.health_quorum != b.health_quorum) {
        out.push_back(p + "DR policy changed");
    }
    std::map<std::string, const Member*> before, after;
    for (const auto& m : a.members) {
        before[memberTarget(m)] = &m;
    }
    for (const auto& m : b.members) {
        after[memberTarget(m)] = &m;
    }
    for (const auto& [ip, m] : before) {
        if (!after.count(ip)) {
            out.push_back(p + "member " + memberText(*m) + " removed");
        } else if (!(*m == *after[ip])) {
            out.push_back(p + "member " + memberText(*after[ip]) + " changed");
        }
    }
    for (const auto& [ip, m] : after) {
        if (!before.count(ip)) {
            out.push_back(p + "member " + memberText(*m) + " added");
        }
    }
}

}  // namespace

std::vector<std::string> describeChanges(const Config& before, const Config& after) {
    std::vector<std::string> out;
    settingChanges(before.settings, after.settings, out);
    for (const auto& a : before.pools) {
        int j = after.poolIndex(a.name);
        if (j < 0) {
            out.push_back("pool " + a.name + " removed");
        } else {
            poolChanges(a, after.pools[size_t(j)], out);
        }
    }
    for (const auto& b : after.pools) {
        if (before.poolIndex(b.name) < 0) {
            out.push_back("pool " + b.name + " added with " + std::to_string(b.members.size()) +
                          " members");
        }
    }
    for (const auto& a : before.globalnames) {
        const GlobalName* b = after.findGlobalName(a.name);
        if (!b) {
            out.push_back("globalname " + a.name + " removed");
        } else if (a.pool != b->pool || a.ttl != b->ttl) {
            out.push_back("globalname " + a.name + ": pool " + b->pool + ", ttl " +
                          std::to_string(b->ttl));
        }
    }
    for (const auto& b : after.globalnames) {
        if (!before.findGlobalName(b.name)) {
            out.push_back("globalname " + b.name + " added (pool " + b.pool + ")");
        }
    }
    if (!(before.maintenance == after.maintenance)) {
        out.push_back("maintenance windows changed");
    }
    if (!(before.topology.regions == after.topology.regions)) {
        out.push_back("topology changed");
    }
    return out;
}

}  // namespace pharos::conf
