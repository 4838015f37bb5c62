#include "conf/Config.hpp"
#include "base/Fnv1a.hpp"

#include <algorithm>

namespace pharos::conf {

int Topology::regionIndex(const std::string& name) const {
    for (size_t i = 0; i < regions.size(); ++i) {
        if (regions[i].name == name) {
            return int(i);
        }
    }
    return -1;
}

int Config::poolIndex(const std::string& name) const {
    // Pools are sorted by name (the loader sorts them), so a binary search finds a name among
    // 100k pools; the scan below only runs for a name that is absent, or a hand-built config.
    auto it = std::lower_bound(pools.begin(), pools.end(), name,
                               [](const Pool& p, const std::string& n) { return p.name < n; });
    if (it != pools.end() && it->name == name) {
        return int(it - pools.begin());
    }
    for (size_t i = 0; i < pools.size(); ++i) {
        if (pools[i].name == name) {
            return int(i);
        }
    }
    return -1;
}

const GlobalName* Config::findGlobalName(const std::string& canonical) const {
    auto it = globalname_index.find(canonical);
    return it == globalname_index.end() ? nullptr : &globalnames[it->second];
}

void finalizeLayout(Config& config) {
    base::Fnv1a hash;
    uint32_t slot = 0;
    for (auto& pool : config.pools) {
        pool.first_slot = slot;
        slot += uint32_t(pool.members.size());
        hash.add(pool.name.data(), pool.name.size() + 1);
        for (const auto& member : pool.members) {
            if (member.isCname()) {
                hash.add(member.cname.data(), member.cname.size() + 1);
            } else {
                hash.add(&member.ip.family, 1);
                hash.add(member.ip.bytes.data(), member.ip.bytes.size());
            }
        }
        hash.add("\n", 1);
    }
    config.slot_count = slot;
    config.layout_hash = hash.value;
    config.globalname_index.clear();
    for (size_t i = 0; i < config.globalnames.size(); ++i) {
        auto& gn = config.globalnames[i];
        gn.pool_index = config.poolIndex(gn.pool);
        config.globalname_index[gn.name] = int(i);
    }
    for (auto& pool : config.pools) {
        pool.fallback_pool_index =
            pool.fallback == Fallback::Pool ? config.poolIndex(pool.fallback_pool) : -1;
    }
    for (auto& w : config.maintenance) {
        w.pool_index = config.poolIndex(w.pool);
    }
}

const char* toString(MonitorKind kind) {
    switch (kind) {
        case MonitorKind::Http:
            return "http";
        case MonitorKind::Tcp:
            return "tcp";
        case MonitorKind::Forced:
            return "forced";
        case MonitorKind::Dns:
            return "dns";
    }
    return "?";
}

const char* toString(LbMethod method) {
    switch (method) {
        case LbMethod::Wrr:
            return "wrr";
        case LbMethod::Twrr:
            return "twrr";
        case LbMethod::FoGroup:
            return "fogroup";
        case LbMethod::CHash:
            return "chash";
    }
    return "?";
}

const char* toString(Fallback fallback) {
    switch (fallback) {
        case Fallback::Any:
            return "any";
        case Fallback::Refuse:
            return "refuse";
        case Fallback::Pool:
            return "pool";
    }
    return "?";
}

const char* toString(FailbackMode mode) {
    return mode == FailbackMode::Auto ? "auto" : "manual";
}

const char* toString(HealthQuorum quorum) {
    static const char* names[] = {"local", "any", "majority", "all"};
    return names[size_t(quorum)];
}

const char* toString(StalePolicy policy) {
    return policy == StalePolicy::LastKnown ? "last-known" : "fail-open";
}

const char* toString(FailoverMode mode) {
    return mode == FailoverMode::Auto ? "auto" : "manual";
}

std::string fallbackText(const Pool& pool) {
    return pool.fallback == Fallback::Pool ? "pool:" + pool.fallback_pool : toString(pool.fallback);
}

bool windowCovers(const MaintenanceWindow& w, const Member& m) {
    return w.member.empty() || w.member == m.name || w.member == memberTarget(m);
}

std::string memberTarget(const Member& m) {
    return m.isCname() ? m.cname : m.ip.str();
}

const char* toString(HttpMethod method) {
    return method == HttpMethod::Get ? "GET" : "HEAD";
}

}  // namespace pharos::conf
