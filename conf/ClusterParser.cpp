// pharos.yaml's `cluster:`: the etcd endpoints the nodes share state through, and this node's
// name and site among them.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "conf/Parsers.hpp"

namespace pharos::conf {
namespace {

std::string hostName() {
    char name[256] = {};
    return gethostname(name, sizeof name - 1) == 0 ? name : "";
}

// Node names end up in etcd keys and in status and metrics labels.
bool validNodeName(const std::string& name) {
    return !name.empty() && name.size() <= 63 && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(uint8_t(c)) || c == '-' || c == '_' || c == '.';
    });
}

void parseEndpoints(YamlReader& in, const YAML::Node& list, ClusterSettings& out) {
    if (!in.isList(list, "cluster.etcd")) {
        return;
    }
    if (list.size() == 0 || list.size() > 16) {
        in.error(list, "cluster.etcd", "expected 1 to 16 etcd endpoint URLs");
        return;
    }
    for (size_t i = 0; i < list.size(); ++i) {
        std::string path = "cluster.etcd[" + std::to_string(i) + "]";
        WebhookTarget url;
        bool ok = list[i].IsScalar() && splitUrl(list[i].Scalar(), url) && url.target == "/";
        if (!ok) {
            in.error(list[i], path,
                     "expected an etcd client URL, http[s]://HOST:PORT, found \"" +
                         (list[i].IsScalar() ? list[i].Scalar() : std::string("(not text)")) +
                         "\"");
            continue;
        }
        out.etcd.push_back({list[i].Scalar(), url.scheme, url.host, url.port});
    }
}

void parseTls(YamlReader& in, const YAML::Node& node, const std::string& dir,
              ClusterSettings& out) {
    if (!in.isMap(node, "cluster.tls")) {
        return;
    }
    in.checkKeys(node, "cluster.tls", {"cert", "key", "ca"});
    // Each is optional: a private CA alone, or a client certificate with the system's CAs.
    for (auto [key, file] : {std::pair{"cert", &out.cert_file}, std::pair{"key", &out.key_file},
                             std::pair{"ca", &out.ca_file}}) {
        if (!node[key]) {
            continue;
        }
        std::string name = in.string(node, key, "cluster.tls", 4096).value_or("");
        std::filesystem::path path(name);
        *file = path.is_absolute()
                    ? name
                    : (std::filesystem::path(dir) / path).lexically_normal().string();
        std::error_code unknown;
        if (!name.empty() && !std::filesystem::exists(*file, unknown)) {
            in.error(node[key], std::string("cluster.tls.") + key, *file + " does not exist");
        }
    }
    if (out.cert_file.empty() != out.key_file.empty()) {
        in.error(node, "cluster.tls", "a client certificate needs both `cert` and `key`");
    }
}

}  // namespace

void parseCluster(YamlReader& in, const YAML::Node& root, const std::string& dir, Settings& out) {
    const YAML::Node& node = root["cluster"];
    if (!node || node.IsNull() || !in.isMap(node, "cluster")) {
        return;
    }
    in.checkKeys(node, "cluster", {"etcd", "node", "site", "prefix", "tls", "lease_ttl"});
    ClusterSettings& c = out.cluster;
    if (in.required(node, "etcd", "cluster")) {
        parseEndpoints(in, node["etcd"], c);
    }
    c.node = node["node"]             ? in.string(node, "node", "cluster", 63).value_or("")
             : !out.node_name.empty() ? out.node_name
                                      : hostName();
    if (!validNodeName(c.node)) {
        in.error(
            node["node"] ? node["node"] : node, "cluster.node",
            "a node name is 1 to 63 letters, digits, '-', '_' or '.', found \"" + c.node + "\"");
    }
    if (node["site"]) {
        c.site = in.string(node, "site", "cluster", 63).value_or("");
    }
    if (node["prefix"]) {
        c.prefix = in.string(node, "prefix", "cluster", 200).value_or("/pharos/");
        if (c.prefix.size() < 2 || c.prefix.front() != '/' || c.prefix.back() != '/') {
            in.error(node["prefix"], "cluster.prefix",
                     "a key prefix starts and ends with '/', found \"" + c.prefix + "\"");
        }
    }
    if (node["tls"]) {
        parseTls(in, node["tls"], dir, c);
    }
    if (node["lease_ttl"]) {
        // etcd leases count whole seconds.
        c.lease_ttl = Seconds(double(in.integer(node, "lease_ttl", "cluster", 2, 60).value_or(3)));
    }
    bool tls = std::any_of(c.etcd.begin(), c.etcd.end(),
                           [](const EtcdEndpoint& e) { return e.scheme == "https"; });
    if (!c.cert_file.empty() && !tls) {
        in.error(node["tls"], "cluster.tls", "a client certificate needs https:// endpoints");
    }
}

}  // namespace pharos::conf
