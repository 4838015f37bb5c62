// pharos.yaml's `notify:` (webhook URLs) and `node_name`, which names this node in what the
// webhooks receive.
#include <algorithm>

#include "conf/Parsers.hpp"

namespace pharos::conf {

bool splitUrl(const std::string& url, WebhookTarget& out) {
    size_t scheme_end = url.find("://");
    if (scheme_end == std::string::npos) {
        return false;
    }
    out.scheme = url.substr(0, scheme_end);
    if (out.scheme != "http" && out.scheme != "https") {
        return false;
    }
    if (url.find('#') != std::string::npos) {
        return false;  // a fragment is never sent
    }
    size_t host_start = scheme_end + 3;
    size_t path_start = url.find_first_of("/?", host_start);
    std::string authority = url.substr(host_start, path_start - host_start);
    out.target = path_start == std::string::npos ? "/" : url.substr(path_start);
    if (out.target[0] == '?') {
        out.target = "/" + out.target;
    }
    if (authority.find('@') != std::string::npos || authority.empty()) {
        return false;  // credentials in the URL would be logged with it; use a path token
    }
    size_t colon = authority.rfind(':');
    bool bracketed = authority.front() == '[';
    size_t close = authority.find(']');
    if (bracketed && (close == std::string::npos ||
                      (close + 1 < authority.size() && authority[close + 1] != ':'))) {
        return false;
    }
    std::string port;
    if (colon != std::string::npos && (!bracketed || colon > close)) {
        port = authority.substr(colon + 1);
        authority.resize(colon);
    }
    out.host = bracketed ? authority.substr(1, authority.size() - 2) : authority;
    out.port = out.scheme == "https" ? 443 : 80;
    if (!port.empty()) {
        if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
            std::stoul(port) == 0 || std::stoul(port) > 65535) {
            return false;
        }
        out.port = uint16_t(std::stoul(port));
    }
    bool printable = std::all_of(url.begin(), url.end(),
                                 [](char c) { return uint8_t(c) > 0x20 && uint8_t(c) < 0x7f; });
    return !out.host.empty() && printable;
}

namespace {

void parseTarget(YamlReader& in, const YAML::Node& item, const std::string& path, Settings& out) {
    WebhookTarget t;
    std::string url;
    if (item.IsScalar()) {
        url = item.Scalar();
    } else if (in.isMap(item, path)) {
        in.checkKeys(item, path, {"url", "verify_tls", "ca_file", "timeout", "retry_for"});
        if (!in.required(item, "url", path)) {
            return;
        }
        url = in.string(item, "url", path, 2048).value_or("");
        if (item["verify_tls"]) {
            t.verify_tls = in.boolean(item, "verify_tls", path).value_or(true);
        }
        if (item["ca_file"]) {
            t.ca_file = in.string(item, "ca_file", path, 4096).value_or("");
        }
        if (item["timeout"]) {
            t.timeout = Seconds(in.duration(item, "timeout", path, 0.1, 60).value_or(5));
        }
        if (item["retry_for"]) {
            t.retry_for = Seconds(in.duration(item, "retry_for", path, 0, 86400).value_or(300));
        }
    } else {
        return;
    }
    if (!splitUrl(url, t)) {
        in.error(item.IsMap() ? item["url"] : item, item.IsMap() ? joinPath(path, "url") : path,
                 "expected an http:// or https:// URL (http[s]://HOST[:PORT][/PATH], no "
                 "user:password@), found \"" +
                     url + "\"");
        return;
    }
    t.url = url;
    bool v6 = t.host.find(':') != std::string::npos;
    t.shown = t.scheme + "://" + (v6 ? "[" + t.host + "]" : t.host) + ":" + std::to_string(t.port) +
              (t.target == "/" ? "/" : "/...");
    out.notify.push_back(std::move(t));
}

}  // namespace

void parseNotify(YamlReader& in, const YAML::Node& root, Settings& out) {
    if (root["node_name"]) {
        out.node_name = in.string(root, "node_name", "", 255).value_or("");
    }
    if (!root["notify"] || root["notify"].IsNull()) {
        return;
    }
    const YAML::Node& list = root["notify"];
    if (!in.isList(list, "notify")) {
        return;
    }
    if (list.size() > 16) {
        in.error(list, "notify", "at most 16 webhooks");
        return;
    }
    for (size_t i = 0; i < list.size(); ++i) {
        parseTarget(in, list[i], "notify[" + std::to_string(i) + "]", out);
    }
}

}  // namespace pharos::conf
