// The pharos DR-policy keys of the LB file (docs/LB.md): a pool's failover_after, failback,
// failover and fallback chain, and the top-level maintenance windows. Polaris files have none
// of them and load as before.
#include <map>
#include <set>

#include "base/Timestamp.hpp"
#include "conf/Parsers.hpp"

namespace pharos::conf {

YAML::Mark markAt(int line, int column) {
    YAML::Mark mark = YAML::Mark::null_mark();
    mark.pos = 0;
    mark.line = line - 1;
    mark.column = column - 1;
    return mark;
}

namespace {

void parseFallback(YamlReader& in, const YAML::Node& node, const std::string& path, Pool& pool,
                   std::vector<FallbackRef>& refs) {
    auto text = in.string(node, "fallback", path, 300);
    if (!text) {
        return;
    }
    if (*text == "any" || *text == "refuse") {
        pool.fallback = *text == "any" ? Fallback::Any : Fallback::Refuse;
        return;
    }
    if (text->rfind("pool:", 0) == 0 && text->size() > 5) {
        pool.fallback = Fallback::Pool;
        pool.fallback_pool = text->substr(5);
        refs.push_back({pool.name, pool.fallback_pool, in.lineOf(node["fallback"]),
                        node["fallback"].Mark().column + 1, joinPath(path, "fallback")});
        return;
    }
    in.error(node["fallback"], joinPath(path, "fallback"),
             "expected any, refuse or pool:NAME, found \"" + *text + "\"");
}

// failback and failover: auto or manual, and only where there is a preferred member.
std::optional<int> manualOrAuto(YamlReader& in, const YAML::Node& node, const std::string& path,
                                const Pool& pool, const char* key, const char* what) {
    if (!node[key]) {
        return std::nullopt;
    }
    if (pool.lb_method != LbMethod::FoGroup) {
        in.error(node[key], joinPath(path, key),
                 std::string("only lb_method fogroup has a preferred member to ") + what);
    }
    return in.choice(node, key, path, {"auto", "manual"});
}

}  // namespace

void parsePoolPolicies(YamlReader& in, const YAML::Node& node, const std::string& path, Pool& pool,
                       std::vector<FallbackRef>& refs) {
    if (node["fallback"]) {
        parseFallback(in, node, path, pool, refs);
    }
    if (node["failover_after"]) {
        // A week at most: longer is a typo, and a member held that long is a silent outage.
        pool.failover_after =
            Seconds(in.duration(node, "failover_after", path, 0, 604800).value_or(0));
    }
    if (auto v = manualOrAuto(in, node, path, pool, "failback", "fail back to")) {
        pool.failback = FailbackMode(*v);
    }
    if (auto v = manualOrAuto(in, node, path, pool, "failover", "fail over from")) {
        pool.failover = FailoverMode(*v);
    }
}

void checkFallbackChains(YamlReader& in, const std::vector<FallbackRef>& refs,
                         const Config& config) {
    std::vector<std::string> names;
    for (const auto& p : config.pools) {
        names.push_back(p.name);
    }
    std::map<std::string, std::string> next;  // pool -> its fallback pool
    for (const auto& r : refs) {
        if (config.poolIndex(r.target) < 0) {
            in.error(markAt(r.line, r.column), r.key,
                     "no pool named \"" + r.target + "\"" + didYouMean(r.target, names));
        } else if (r.target == r.pool) {
            in.error(markAt(r.line, r.column), r.key, "a pool cannot fall back to itself");
        } else if (config.pools[size_t(config.poolIndex(r.pool))].has_cname !=
                   config.pools[size_t(config.poolIndex(r.target))].has_cname) {
            // A pool with cname members is decided whole and the others by family: a chain of
            // both could answer a CNAME to one type and addresses to another at one name.
            in.error(markAt(r.line, r.column), r.key,
                     "a fallback chain cannot mix pools with cname members and pools without");
        }
        next[r.pool] = r.target;
    }
    for (const auto& r : refs) {
        std::string chain = r.pool;
        std::set<std::string> seen{r.pool};
        for (auto it = next.find(r.pool); it != next.end(); it = next.find(it->second)) {
            chain += " -> " + it->second;
            if (!seen.insert(it->second).second) {
                // Each pool on the loop reports it at its own line (a pool falling back to
                // itself was reported above); a pool leading into a loop is not on it.
                if (it->second == r.pool && r.target != r.pool) {
                    in.error(markAt(r.line, r.column), r.key, "fallback chain loops: " + chain);
                }
                break;
            }
        }
    }
}

void parseMaintenance(YamlReader& in, const YAML::Node& root, Config& out) {
    const YAML::Node& list = root["maintenance"];
    if (!list || !in.isList(list, "maintenance")) {
        return;
    }
    for (size_t i = 0; i < list.size(); ++i) {
        std::string path = "maintenance[" + std::to_string(i) + "]";
        const YAML::Node& node = list[i];
        if (!in.isMap(node, path)) {
            continue;
        }
        in.checkKeys(node, path, {"pool", "member", "start", "end", "reason"});
        MaintenanceWindow w;
        // All three are checked, so one run reports every missing key.
        bool has_pool = in.required(node, "pool", path);
        bool has_start = in.required(node, "start", path);
        bool has_end = in.required(node, "end", path);
        if (!has_pool || !has_start || !has_end) {
            continue;
        }
        w.pool = in.string(node, "pool", path, 256).value_or("");
        int p = out.poolIndex(w.pool);
        if (p < 0) {
            std::vector<std::string> names;
            for (const auto& pool : out.pools) {
                names.push_back(pool.name);
            }
            in.error(node["pool"], joinPath(path, "pool"),
                     "no pool named \"" + w.pool + "\"" + didYouMean(w.pool, names));
            continue;
        }
        if (node["member"]) {
            w.member = in.string(node, "member", path, 256).value_or("");
            bool found = false;
            for (const auto& m : out.pools[size_t(p)].members) {
                found = found || windowCovers(w, m);
            }
            if (!found) {
                in.error(node["member"], joinPath(path, "member"),
                         "pool " + w.pool + " has no member named or at \"" + w.member + "\"");
            }
        }
        std::optional<int64_t> times[2];
        for (int t = 0; t < 2; ++t) {
            const char* key = t == 0 ? "start" : "end";
            auto text = in.string(node, key, path, 64);
            times[t] = text ? base::parseRfc3339(*text) : std::nullopt;
            if (text && !times[t]) {
                in.error(node[key], joinPath(path, key),
                         "expected an RFC 3339 time with its zone, such as "
                         "2026-12-01T22:00:00Z or 2026-12-01T23:00:00+01:00; found \"" +
                             *text + "\"");
            }
        }
        if (!times[0] || !times[1]) {
            continue;
        }
        w.start_ms = *times[0];
        w.end_ms = *times[1];
        if (w.end_ms <= w.start_ms) {
            in.error(node["end"], joinPath(path, "end"), "the window ends before it starts");
        }
        w.reason = node["reason"] ? in.string(node, "reason", path, 1024).value_or("") : "";
        out.maintenance.push_back(std::move(w));
    }
}

}  // namespace pharos::conf
