#include "conf/Config.hpp"

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

const char* toString(MonitorKind kind) {
    switch (kind) {
        case MonitorKind::Http: return "http";
        case MonitorKind::Tcp: return "tcp";
        case MonitorKind::Forced: return "forced";
        case MonitorKind::Dns: return "dns";
    }
    return "?";
}

const char* toString(LbMethod method) {
    switch (method) {
        case LbMethod::Wrr: return "wrr";
        case LbMethod::Twrr: return "twrr";
        case LbMethod::FoGroup: return "fogroup";
        case LbMethod::CHash: return "chash";
    }
    return "?";
}

const char* toString(Fallback fallback) { return fallback == Fallback::Any ? "any" : "refuse"; }

}  // namespace pharos::conf
