// `depends_on` entries name members of any pool, so they are resolved once every pool is read,
// and the graph they make is checked for cycles: a member that depends on itself through
// others would be down because it is down.
#include <string>
#include <vector>

#include "conf/Parsers.hpp"

namespace pharos::conf {
namespace {

// POOL/MEMBER, split at whichever '/' names a pool (names may hold '/' themselves); the member
// by name or address. Null when nothing matches.
std::optional<MemberRef> find(const Config& config, const std::string& text) {
    for (size_t slash = text.find('/'); slash != std::string::npos;
         slash = text.find('/', slash + 1)) {
        int p = config.poolIndex(text.substr(0, slash));
        if (p < 0) {
            continue;
        }
        std::string member = text.substr(slash + 1);
        const auto& members = config.pools[size_t(p)].members;
        for (uint32_t i = 0; i < members.size(); ++i) {
            if (members[i].name == member || memberTarget(members[i]) == member) {
                return MemberRef{text, p, i};
            }
        }
    }
    return std::nullopt;
}

struct Graph {
    explicit Graph(const Config& c) : config(c) {}
    const Config& config;
    std::vector<size_t> first;    // flat index of each pool's first member
    std::vector<uint8_t> colour;  // 0 unvisited, 1 on the path, 2 done
    std::vector<std::string> path;
    std::vector<size_t> on_path;
    size_t repeated = 0;  // where the cycle found closes

    size_t flat(int pool, uint32_t member) const { return first[size_t(pool)] + member; }

    // A cycle through (pool, member) as "a -> b -> a", or empty.
    std::string cycleFrom(int pool, uint32_t member) {
        size_t at = flat(pool, member);
        const auto& p = config.pools[size_t(pool)];
        path.push_back(p.name + "/" + p.members[member].name);
        if (colour[at] == 1) {
            repeated = at;
            return join();
        }
        if (colour[at] == 0) {
            colour[at] = 1;
            on_path.push_back(at);
            for (const auto& dep : p.members[member].depends_on) {
                if (dep.pool < 0) {
                    continue;
                }
                if (auto cycle = cycleFrom(dep.pool, dep.member); !cycle.empty()) {
                    return cycle;
                }
            }
            colour[at] = 2;
            on_path.pop_back();
        }
        path.pop_back();
        return "";
    }
    std::string join() const {
        std::string out;
        for (const auto& step : path) {
            out += (out.empty() ? "" : " -> ") + step;
        }
        return out;
    }
};

}  // namespace

void resolveDependencies(YamlReader& in, const std::vector<DependencyRef>& refs, Config& config) {
    for (const auto& r : refs) {
        auto& member = config.pools[size_t(config.poolIndex(r.pool))].members[r.member];
        auto& ref = member.depends_on[r.index];
        if (auto found = find(config, ref.text)) {
            ref = *found;
        } else {
            in.error(markAt(r.line, r.column), r.key,
                     "no member " + ref.text + " (POOL/MEMBER, the member by its name or address)");
        }
    }
    Graph graph{config};
    size_t count = 0;
    for (const auto& p : config.pools) {
        graph.first.push_back(count);
        count += p.members.size();
    }
    graph.colour.assign(count, 0);
    for (const auto& r : refs) {
        if (r.index != 0) {
            continue;  // one report per member
        }
        graph.path.clear();
        int pool = config.poolIndex(r.pool);
        std::string cycle = graph.cycleFrom(pool, uint32_t(r.member));
        // The walk stopped inside the cycle: those members are walked again from each of them,
        // and each member on it reports the cycle from itself (one that only leads into a
        // cycle is not on it, and says nothing).
        for (size_t at : graph.on_path) {
            graph.colour[at] = 0;
        }
        graph.on_path.clear();
        if (!cycle.empty() && graph.repeated == graph.flat(pool, uint32_t(r.member))) {
            in.error(markAt(r.line, r.column), r.key, "depends_on makes a cycle: " + cycle);
        }
    }
}

}  // namespace pharos::conf
