#include <nlohmann/json.hpp>
#include <regex>

#include "base/DnsName.hpp"
#include "conf/Parsers.hpp"
#include "conf/ReplyPattern.hpp"

namespace pharos::conf {
namespace {

struct QTypeName {
    const char* name;
    uint16_t code;
};
constexpr QTypeName kQTypes[] = {{"A", 1},   {"NS", 2},   {"CNAME", 5}, {"SOA", 6}, {"PTR", 12},
                                 {"MX", 15}, {"TXT", 16}, {"AAAA", 28}, {"SRV", 33}};
constexpr const char* kRcodes[] = {"NOERROR",  "FORMERR", "SERVFAIL",
                                   "NXDOMAIN", "NOTIMP",  "REFUSED"};

void parseTiming(YamlReader& in, const YAML::Node& p, const std::string& path, MonitorParams& out) {
    // Polaris: interval 1-3600 s, timeout 0.1-10 s, retries 0-5. pharos: intervals down to
    // 0.1 s, and `rise`.
    if (p["interval"]) {
        if (auto v = in.duration(p, "interval", path, 0.1, 3600)) {
            out.interval = Seconds(*v);
        }
    }
    bool timeout_set = false;
    if (p["timeout"]) {
        if (auto v = in.duration(p, "timeout", path, 0.1, 10)) {
            out.timeout = Seconds(*v);
            timeout_set = true;
        }
    }
    if (p["retries"]) {
        if (auto v = in.integer(p, "retries", path, 0, 5)) {
            out.retries = int(*v);
        }
    }
    if (p["rise"]) {
        if (auto v = in.integer(p, "rise", path, 1, 10)) {
            out.rise = int(*v);
        }
    }
    if (out.timeout > out.interval) {
        // An unset timeout follows a short interval, so Polaris files with interval 1 still load.
        if (!timeout_set) {
            out.timeout = out.interval;
        } else {
            in.error(p["timeout"], joinPath(path, "timeout"),
                     "must not exceed interval (" + std::to_string(out.interval.count()) + "s)");
        }
    }
}

void parsePort(YamlReader& in, const YAML::Node& p, const std::string& path, MonitorParams& out) {
    if (p["port"]) {
        if (auto v = in.integer(p, "port", path, 1, 65535)) {
            out.port = uint16_t(*v);
        }
    }
}

void parseExpectedCodes(YamlReader& in, const YAML::Node& p, const std::string& path,
                        HttpParams& out) {
    std::string where = joinPath(path, "expected_codes");
    const YAML::Node& list = p["expected_codes"];
    if (!in.isList(list, where)) {
        return;
    }
    if (list.size() < 1 || list.size() > 3) {
        in.error(list, where, "expected a list of 1 to 3 status codes");
        return;
    }
    out.expected_codes.clear();
    for (size_t i = 0; i < list.size(); ++i) {
        std::string item = where + "[" + std::to_string(i) + "]";
        int value = 0;
        const std::string& text = list[i].IsScalar() ? list[i].Scalar() : std::string();
        bool ok = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos &&
                  text.size() <= 3 && (value = std::stoi(text)) >= 100 && value <= 599;
        if (!ok) {
            in.error(list[i], item, "expected an HTTP status code between 100 and 599");
            continue;
        }
        out.expected_codes.push_back(value);
    }
}

// A YAML value as JSON. Plain scalars take the type they look like (true, 3, null), as YAML
// 1.2's core schema reads them; quoted ones stay strings, so "true" can be expected as text.
nlohmann::json toJson(const YAML::Node& node) {
    if (node.IsSequence()) {
        auto list = nlohmann::json::array();
        for (const auto& item : node) {
            list.push_back(toJson(item));
        }
        return list;
    }
    if (node.IsMap()) {
        auto map = nlohmann::json::object();
        for (const auto& item : node) {
            map[item.first.Scalar()] = toJson(item.second);
        }
        return map;
    }
    if (!node.IsScalar() || node.Tag() == "!") {
        return node.IsScalar() ? nlohmann::json(node.Scalar()) : nlohmann::json();
    }
    const std::string& text = node.Scalar();
    if (text == "~" || text == "null" || text == "Null" || text == "NULL" || text.empty()) {
        return nullptr;
    }
    if (text == "true" || text == "True" || text == "TRUE") {
        return true;
    }
    if (text == "false" || text == "False" || text == "FALSE") {
        return false;
    }
    auto number = nlohmann::json::parse(text, nullptr, false);
    return number.is_number() ? number : nlohmann::json(text);
}

void parseExpectedJson(YamlReader& in, const YAML::Node& p, const std::string& path,
                       HttpParams& out) {
    std::string where = joinPath(path, "expected_json");
    const YAML::Node& map = p["expected_json"];
    if (!in.isMap(map, where)) {
        return;
    }
    if (map.size() == 0 || map.size() > 32) {
        in.error(map, where, "expected 1 to 32 JSON Pointer paths, each with its value");
        return;
    }
    for (const auto& item : map) {
        std::string pointer = item.first.IsScalar() ? item.first.Scalar() : "";
        std::string at = where + "[" + pointer + "]";
        try {
            nlohmann::json::json_pointer check(pointer);
        } catch (const nlohmann::json::exception&) {
            in.error(item.first, at,
                     "not a JSON Pointer (RFC 6901): \"\" or a path such as /status or "
                     "/db/quorum, with ~1 for / and ~0 for ~ in a key");
            continue;
        }
        try {
            out.expected_json.push_back({pointer, toJson(item.second).dump()});
        } catch (const nlohmann::json::exception&) {
            in.error(item.second, at, "not valid UTF-8, which no JSON body can hold");
        }
    }
}

// Names are RFC 9110 tokens and values visible text: nothing a member or a proxy could read
// as the end of one header and the start of another.
void parseHeaders(YamlReader& in, const YAML::Node& p, const std::string& path, HttpParams& out) {
    std::string where = joinPath(path, "headers");
    const YAML::Node& map = p["headers"];
    if (!in.isMap(map, where)) {
        return;
    }
    static const std::regex token("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}");
    static const std::regex managed("host|connection|content-length|transfer-encoding|te|upgrade",
                                    std::regex::icase);
    for (const auto& item : map) {
        std::string name = item.first.IsScalar() ? item.first.Scalar() : "";
        std::string at = where + "[" + name + "]";
        if (!std::regex_match(name, token)) {
            in.error(item.first, at, "not a header name (letters, digits and !#$%&'*+.^_`|~-)");
            continue;
        }
        if (std::regex_match(name, managed)) {
            in.error(item.first, at, "pharos sets this header itself (Host comes from `hostname`)");
            continue;
        }
        std::string value = item.second.IsScalar() ? item.second.Scalar() : "";
        bool visible = item.second.IsScalar() && value.size() <= 1024 &&
                       std::all_of(value.begin(), value.end(), [](char c) {
                           return c == '\t' || (uint8_t(c) >= 0x20 && c != 0x7f);
                       });
        if (!visible) {
            in.error(item.second, at,
                     "a header value is one line of at most 1024 characters (no CR, LF or "
                     "other control characters)");
            continue;
        }
        out.headers.push_back({name, value});
    }
}

// A reply pattern is checked with the matcher the monitor will search with; "" when it is bad.
std::string parsePattern(YamlReader& in, const YAML::Node& p, const char* key,
                         const std::string& path, size_t max_length,
                         ReplyPattern::Case letter_case) {
    auto text = in.string(p, key, path, max_length);
    if (!text) {
        return "";
    }
    try {
        ReplyPattern(*text, letter_case);
        return *text;
    } catch (const std::exception& e) {
        in.error(p[key], joinPath(path, key),
                 std::string("not a valid ECMAScript regular expression: ") + e.what());
        return "";
    }
}

void parseBodyChecks(YamlReader& in, const YAML::Node& p, const std::string& path,
                     HttpParams& out) {
    if (p["body_match"]) {
        out.body_match = in.string(p, "body_match", path, 256).value_or("");
    }
    if (p["body_regex"]) {
        out.body_regex =
            parsePattern(in, p, "body_regex", path, 512, ReplyPattern::Case::Sensitive);
    }
    if (p["expected_json"]) {
        parseExpectedJson(in, p, path, out);
    }
    if (out.method == HttpMethod::Head && out.readsBody()) {
        in.error(p["method"], joinPath(path, "method"),
                 "a HEAD response has no body: body_match, body_regex and expected_json need GET");
    }
}

void parseHttp(YamlReader& in, const YAML::Node& p, const std::string& path, MonitorParams& out) {
    auto& h = out.http;
    if (p["use_ssl"]) {
        h.use_ssl = in.boolean(p, "use_ssl", path).value_or(false);
    }
    if (p["hostname"]) {
        h.hostname = in.string(p, "hostname", path, 256).value_or("");
    }
    if (p["url_path"]) {
        h.url_path = in.string(p, "url_path", path, 256).value_or("/");
        if (h.url_path[0] != '/') {
            h.url_path = "/" + h.url_path;  // as Polaris does
        }
    }
    if (p["expected_codes"]) {
        parseExpectedCodes(in, p, path, h);
    }
    if (p["method"]) {
        if (auto v = in.choice(p, "method", path, {"GET", "HEAD"})) {
            h.method = HttpMethod(*v);
        }
    }
    if (p["headers"]) {
        parseHeaders(in, p, path, h);
    }
    parseBodyChecks(in, p, path, h);
    if (p["verify_tls"]) {
        h.verify_tls = in.boolean(p, "verify_tls", path).value_or(false);
    }
    if (p["ca_file"]) {
        h.ca_file = in.string(p, "ca_file", path, 4096).value_or("");
    }
    // A resumed handshake does not present the certificate again: with verify_tls, a replaced
    // or expired certificate would pass for as long as the member accepts the session.
    h.tls_session_reuse = !h.verify_tls;
    if (p["tls_session_reuse"]) {
        h.tls_session_reuse = in.boolean(p, "tls_session_reuse", path).value_or(!h.verify_tls);
    }
    parsePort(in, p, path, out);
    if (out.port == 0) {
        out.port = h.use_ssl ? 443 : 80;
    }
}

void parseTcp(YamlReader& in, const YAML::Node& p, const std::string& path, const YAML::Node& pool,
              MonitorParams& out) {
    if (!p["port"]) {
        in.error(p.Mark().is_null() ? pool : p, joinPath(path, "port"),
                 "required key is missing: the tcp monitor has no default port");
    }
    parsePort(in, p, path, out);
    if (p["send_string"]) {
        out.tcp.send_string = in.string(p, "send_string", path, 256).value_or("");
    }
    if (p["match_re"]) {
        out.tcp.match_re = parsePattern(in, p, "match_re", path, 128, ReplyPattern::Case::Ignored);
    }
}

void parseForced(YamlReader& in, const YAML::Node& p, const std::string& path, MonitorParams& out) {
    out.forced_up = true;
    if (p["status"]) {
        if (auto v = in.choice(p, "status", path, {"up", "down"})) {
            out.forced_up = *v == 0;
        }
    }
}

void parseDnsRcodes(YamlReader& in, const YAML::Node& list, const std::string& where,
                    DnsParams& out) {
    if (!in.isList(list, where)) {
        return;
    }
    out.expected_rcodes.clear();
    for (size_t i = 0; i < list.size(); ++i) {
        const std::string text = list[i].IsScalar() ? list[i].Scalar() : "";
        int code = -1;
        for (int c = 0; c < 6; ++c) {
            if (text == kRcodes[c]) {
                code = c;
            }
        }
        if (code < 0 && !text.empty() && text.size() <= 2 &&
            text.find_first_not_of("0123456789") == std::string::npos && std::stoi(text) < 16) {
            code = std::stoi(text);
        }
        if (code < 0) {
            in.error(list[i], where + "[" + std::to_string(i) + "]",
                     "expected an rcode name (NOERROR, NXDOMAIN, SERVFAIL, REFUSED, FORMERR, "
                     "NOTIMP) or a number 0-15");
            continue;
        }
        out.expected_rcodes.push_back(code);
    }
}

void parseDns(YamlReader& in, const YAML::Node& p, const std::string& path, const YAML::Node& pool,
              MonitorParams& out) {
    auto& d = out.dns;
    if (!p["query_name"]) {
        in.error(p.Mark().is_null() ? pool : p, joinPath(path, "query_name"),
                 "required key is missing: the name the dns monitor asks for");
    } else if (auto v = in.string(p, "query_name", path, 253)) {
        d.query_name = base::canonicalName(*v);
    }
    if (p["query_type"]) {
        auto v = in.string(p, "query_type", path, 10).value_or("");
        bool found = false;
        for (const auto& q : kQTypes) {
            if (v == q.name) {
                d.query_type = q.code;
                d.query_type_name = q.name;
                found = true;
            }
        }
        if (!found && !v.empty()) {
            in.error(p["query_type"], joinPath(path, "query_type"),
                     "expected one of A, AAAA, NS, SOA, CNAME, MX, TXT, PTR, SRV");
        }
    }
    if (p["expected_rcodes"]) {
        parseDnsRcodes(in, p["expected_rcodes"], joinPath(path, "expected_rcodes"), d);
    }
    if (p["expected_answer"]) {
        d.expected_answer = in.string(p, "expected_answer", path, 256).value_or("");
    }
    parsePort(in, p, path, out);
    if (out.port == 0) {
        out.port = 53;
    }
}

}  // namespace

void parseMonitor(YamlReader& in, const YAML::Node& pool, const std::string& path, Pool& out) {
    if (in.required(pool, "monitor", path)) {
        if (auto v = in.choice(pool, "monitor", path, {"http", "tcp", "forced", "dns"})) {
            out.monitor = MonitorKind(*v);
        } else {
            return;
        }
    } else {
        return;
    }
    std::string ppath = joinPath(path, "monitor_params");
    // yaml-cpp assigns through Node handles, so pick the node at construction.
    YAML::Node p =
        pool["monitor_params"] ? pool["monitor_params"] : YAML::Node(YAML::NodeType::Map);
    if (pool["monitor_params"] && (!in.isMap(p, ppath) || p.size() == 0)) {
        if (p.IsMap()) {
            in.error(p, ppath, "must not be empty (leave it out to take every default)");
        }
        return;
    }

    MonitorParams& m = out.params.edit();
    if (out.monitor == MonitorKind::Forced) {
        // Polaris's forced monitor defaults: it never probes, so the timing hardly matters.
        m.interval = Seconds(3600);
        m.timeout = Seconds(1);
        m.retries = 0;
    }
    switch (out.monitor) {
        case MonitorKind::Http:
            in.checkKeys(
                p, ppath,
                {"interval", "timeout", "retries", "rise", "use_ssl", "hostname", "url_path",
                 "port", "expected_codes", "body_match", "verify_tls", "ca_file",
                 "tls_session_reuse", "method", "headers", "body_regex", "expected_json"});
            parseHttp(in, p, ppath, m);
            break;
        case MonitorKind::Tcp:
            in.checkKeys(
                p, ppath,
                {"interval", "timeout", "retries", "rise", "port", "send_string", "match_re"});
            parseTcp(in, p, ppath, pool, m);
            break;
        case MonitorKind::Forced:
            in.checkKeys(p, ppath, {"interval", "timeout", "retries", "rise", "status"});
            parseForced(in, p, ppath, m);
            break;
        case MonitorKind::Dns:
            in.checkKeys(p, ppath,
                         {"interval", "timeout", "retries", "rise", "port", "query_name",
                          "query_type", "expected_rcodes", "expected_answer"});
            parseDns(in, p, ppath, pool, m);
            break;
    }
    parseTiming(in, p, ppath, m);
}

}  // namespace pharos::conf
