#include "status/StatusDocument.hpp"

#include <map>
#include <set>

#include "lb/PoolBalancer.hpp"

namespace pharos::status {

using nlohmann::json;

const char* toString(lb::Health h) {
    switch (h) {
        case lb::Health::Up:
            return "up";
        case lb::Health::Down:
            return "down";
        case lb::Health::Drained:
            return "drained";
        case lb::Health::Unknown:
            break;
    }
    return "unknown";
}

namespace {

json overrideJson(const admin::Override& o) {
    json j = {{"action", admin::actionName(o.action)},
              {"by", o.by},
              {"reason", o.reason},
              {"since_ms", o.since_ms}};
    if (o.until_ms != 0) {
        j["until_ms"] = o.until_ms;
    }
    return j;
}

json memberJson(const StatusInputs& in, const conf::Pool& pool, size_t i, bool verdicts_used) {
    const auto& m = pool.members[i];
    uint32_t slot = pool.first_slot + uint32_t(i);
    json j = {{"name", m.name}, {"address", m.ip.str()}, {"weight", m.weight}};
    health::SlotView v;
    // The slot as the prober left it, even when the backend does not use it (fail-open).
    if (in.table.readSlot(slot, v)) {
        j["state"] = health::toString(v.state);
        j["admin"] = health::toString(v.admin);
        j["flapping"] = v.flapping;
        j["last_change_ms"] = v.last_change_ms;
        j["last_check_ms"] = v.last_check_ms;
        j["latency_us"] = v.latency_us;
        j["consecutive_ok"] = v.consecutive_ok;
        j["consecutive_fail"] = v.consecutive_fail;
        j["last_failure"] = v.reason == health::FailureReason::None ? "" : toString(v.reason);
    }
    // What the backend counts the member as: fail-open counts every member as up.
    j["effective"] = verdicts_used ? toString(in.table.verdict(slot)) : "up";
    if (const auto* o = in.overrides.find(pool.name, m.ip.str())) {
        j["override"] = overrideJson(*o);
    }
    return j;
}

// The addresses a client could be answered, family by family: the backend's own decision run
// a few dozen times, since weighted draws vary from query to query.
json answersFor(const conf::Pool& pool, const lb::PoolBalancer& balancer,
                const std::vector<lb::Health>& verdicts, const lb::Client& client) {
    lb::WeightedSampler sampler(uint64_t(pool.first_slot) * 7919 + 1);
    lb::Answer answer;
    json out = json::object();
    for (conf::Family family : {conf::Family::V4, conf::Family::V6}) {
        if (!balancer.serves(family)) {
            continue;
        }
        std::set<std::string> seen;
        for (int i = 0; i < 64; ++i) {
            balancer.decide(family, verdicts, client, sampler, answer);
            for (uint32_t m : answer.members) {
                seen.insert(pool.members[m].ip.str());
            }
        }
        out[family == conf::Family::V4 ? "A" : "AAAA"] = seen;
    }
    return out;
}

json globalnamesJson(const StatusInputs& in, bool verdicts_used) {
    const auto& config = in.config;
    lb::TopologyIndex index(config.topology);
    json out = json::array();
    for (const auto& gn : config.globalnames) {
        const conf::Pool& pool = config.pools[size_t(gn.pool_index)];
        std::vector<lb::Health> verdicts(pool.members.size(), lb::Health::Up);
        if (verdicts_used) {
            for (size_t i = 0; i < verdicts.size(); ++i) {
                verdicts[i] = in.table.verdict(pool.first_slot + uint32_t(i));
            }
        }
        lb::PoolBalancer balancer(pool, config.topology, index);
        json g = {{"name", gn.name}, {"pool", gn.pool}, {"ttl", gn.ttl}};
        g["answers"] = answersFor(pool, balancer, verdicts, lb::Client{});
        if (pool.lb_method == conf::LbMethod::Twrr) {
            // One client per region: the first address of its first prefix.
            json by_region = json::object();
            for (const auto& region : config.topology.regions) {
                if (!region.cidrs.empty()) {
                    lb::Client c;
                    c.resolver = region.cidrs[0].address;
                    by_region[region.name] = answersFor(pool, balancer, verdicts, c);
                }
            }
            g["by_region"] = by_region;
        }
        out.push_back(std::move(g));
    }
    return out;
}

}  // namespace

json statusDocument(const StatusInputs& in) {
    const auto& config = in.config;
    auto status = in.table.status(config.layout_hash, in.now_ms,
                                  int64_t(config.settings.stale_after.count() * 1000));
    bool verdicts_used = health::usesVerdicts(status, config.settings.on_stale);
    json doc = {
        {"now_ms", in.now_ms},
        {"table",
         {{"name", config.settings.health_table},
          {"status", health::toString(status)},
          {"verdicts_used", verdicts_used},
          {"on_stale", config.settings.on_stale == conf::StalePolicy::LastKnown ? "last-known"
                                                                                : "fail-open"}}}};
    if (const auto* h = in.table.header()) {
        doc["table"]["writer_pid"] = h->writer_pid;
        doc["table"]["heartbeat_age_ms"] = in.now_ms - h->heartbeat_ms.load();
        doc["table"]["generation"] = h->generation.load();
        doc["table"]["ready"] = h->ready.load() != 0;
    }
    doc["admin_state"] = {{"file", config.settings.admin_state},
                          {"overrides", in.overrides.all().size()}};
    if (!in.overrides_error.empty()) {
        doc["admin_state"]["error"] = in.overrides_error;
    }
    doc["pools"] = json::array();
    for (const auto& pool : config.pools) {
        json p = {{"name", pool.name},
                  {"monitor", conf::toString(pool.monitor)},
                  {"lb_method", conf::toString(pool.lb_method)},
                  {"members", json::array()}};
        for (size_t i = 0; i < pool.members.size(); ++i) {
            p["members"].push_back(memberJson(in, pool, i, verdicts_used));
        }
        doc["pools"].push_back(std::move(p));
    }
    doc["globalnames"] = globalnamesJson(in, verdicts_used);
    return doc;
}

}  // namespace pharos::status
