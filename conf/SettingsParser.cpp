#include <filesystem>

#include "conf/Parsers.hpp"

namespace pharos::conf {
namespace {

std::string resolve(const std::string& dir, const std::string& file) {
    std::filesystem::path p(file);
    return p.is_absolute() ? file : (std::filesystem::path(dir) / p).lexically_normal().string();
}

void parseBackend(YamlReader& in, const YAML::Node& node, Settings& out) {
    if (!in.isMap(node, "backend")) {
        return;
    }
    in.checkKeys(node, "backend", {"socket", "socket_group", "max_connections"});
    if (node["max_connections"]) {
        if (auto v = in.integer(node, "max_connections", "backend", 16, 1000000)) {
            out.max_connections = uint64_t(*v);
        }
    }
    if (node["socket"]) {
        // sun_path holds 108 bytes including the terminating NUL.
        if (auto v = in.string(node, "socket", "backend", 107)) {
            out.backend_socket = *v;
        }
    }
    if (node["socket_group"]) {
        if (auto v = in.string(node, "socket_group", "backend", 32)) {
            out.socket_group = *v;
        }
    }
}

void parseHealth(YamlReader& in, const YAML::Node& node, Settings& out) {
    if (!in.isMap(node, "health")) {
        return;
    }
    in.checkKeys(node, "health",
                 {"table", "table_group", "stale_after", "on_stale", "max_in_flight"});
    if (node["table"]) {
        if (auto v = in.string(node, "table", "health", 200)) {
            if ((*v)[0] != '/' || v->find('/', 1) != std::string::npos || v->size() < 2) {
                in.error(node["table"], "health.table",
                         "a POSIX shared-memory name is one '/' followed by a name without '/'");
            } else {
                out.health_table = *v;
            }
        }
    }
    if (node["table_group"]) {
        if (auto v = in.string(node, "table_group", "health", 32)) {
            out.table_group = *v;
        }
    }
    if (node["stale_after"]) {
        if (auto v = in.duration(node, "stale_after", "health", 1, 3600)) {
            out.stale_after = Seconds(*v);
        }
    }
    if (node["max_in_flight"]) {
        if (auto v = in.integer(node, "max_in_flight", "health", 1, 1000000)) {
            out.max_in_flight = uint64_t(*v);
        }
    }
    if (node["on_stale"]) {
        if (auto v =
                in.choice(node, "on_stale", "health",
                          {toString(StalePolicy::FailOpen), toString(StalePolicy::LastKnown)})) {
            out.on_stale = *v == 0 ? StalePolicy::FailOpen : StalePolicy::LastKnown;
        }
    }
}

void parseControl(YamlReader& in, const YAML::Node& node, Settings& out) {
    if (!in.isMap(node, "control")) {
        return;
    }
    in.checkKeys(node, "control", {"socket", "group"});
    if (node["socket"]) {
        if (auto v = in.string(node, "socket", "control", 107)) {
            out.control_socket = *v;
        }
    }
    if (node["group"]) {
        if (auto v = in.string(node, "group", "control", 32)) {
            out.control_group = *v;
        }
    }
}

bool isLoopback(const base::IpAddress& a) {
    if (a.family == base::Family::V4) {
        return a.bytes[0] == 127;
    }
    base::IpAddress one = *base::IpAddress::parse("::1");
    return a == one;
}

void parseHttp(YamlReader& in, const YAML::Node& node, Settings& out) {
    if (!in.isMap(node, "http")) {
        return;
    }
    in.checkKeys(node, "http", {"listen", "allow_remote"});
    bool allow_remote =
        node["allow_remote"] && in.boolean(node, "allow_remote", "http").value_or(false);
    if (node["listen"]) {
        if (auto v = in.string(node, "listen", "http", 64)) {
            auto colon = v->rfind(':');
            bool ok = colon != std::string::npos && colon + 1 < v->size() &&
                      colon + 6 >= v->size() &&
                      v->find_first_not_of("0123456789", colon + 1) == std::string::npos &&
                      std::stoul(v->substr(colon + 1)) <= 65535;
            std::string host = ok ? v->substr(0, colon) : "";
            if (host.size() > 1 && host.front() == '[' && host.back() == ']') {
                host = host.substr(1, host.size() - 2);
            }
            auto address = base::IpAddress::parse(host);
            if (!ok || !address) {
                in.error(node["listen"], "http.listen",
                         "expected ADDRESS:PORT with an IP address, found " + *v);
            } else if (!allow_remote && !isLoopback(*address)) {
                // The page and /metrics show the whole deployment and take no password.
                in.error(node["listen"], "http.listen",
                         *v + " is not a loopback address; set http.allow_remote: true to "
                              "serve other hosts");
            } else {
                out.http_listen = *v;
            }
        }
    }
}

}  // namespace

Settings parseSettings(YamlReader& in, const YAML::Node& root, const std::string& dir) {
    Settings out;
    out.lb_file = resolve(dir, "polaris-lb.yaml");
    std::string default_topology = resolve(dir, "polaris-topology.yaml");
    // The default topology file is optional; one named explicitly must exist.
    out.topology_file = std::filesystem::exists(default_topology) ? default_topology : "";
    if (root.IsNull()) {
        return out;
    }
    if (!in.isMap(root, "")) {
        return out;
    }
    in.checkKeys(root, "",
                 {"lb", "topology", "backend", "health", "admin_state", "control", "http",
                  "log_level", "user", "notify", "node_name", "cluster"});
    parseNotify(in, root, out);
    parseCluster(in, root, dir, out);
    if (root["user"]) {
        if (auto v = in.string(root, "user", "", 32)) {
            out.user = *v;
        }
    }
    if (root["lb"]) {
        if (auto v = in.string(root, "lb", "")) {
            out.lb_file = resolve(dir, *v);
        }
    }
    if (root["topology"]) {
        if (root["topology"].IsNull()) {
            out.topology_file.clear();
        } else if (auto v = in.string(root, "topology", "")) {
            out.topology_file = resolve(dir, *v);
        }
    }
    if (root["backend"]) {
        parseBackend(in, root["backend"], out);
    }
    if (root["health"]) {
        parseHealth(in, root["health"], out);
    }
    if (root["admin_state"]) {
        if (auto v = in.string(root, "admin_state", "")) {
            out.admin_state = resolve(dir, *v);
        }
    }
    if (root["control"]) {
        parseControl(in, root["control"], out);
    }
    if (root["http"]) {
        parseHttp(in, root["http"], out);
    }
    if (root["log_level"]) {
        if (auto v = in.choice(root, "log_level", "", {"debug", "info", "warning", "error"})) {
            static const char* names[] = {"debug", "info", "warning", "error"};
            out.log_level = names[*v];
        }
    }
    return out;
}

}  // namespace pharos::conf
