#include "status/StatusDocument.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "lb/Chain.hpp"
#include "lb/VerdictSnapshot.hpp"
#include "policy/PoolPolicy.hpp"
#include "state/FailureText.hpp"
#include "state/TableVerdicts.hpp"

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
    json j = {{"action", state::toString(o.action)},
              {"by", o.by},
              {"reason", o.reason},
              {"since_ms", o.since_ms}};
    if (o.until_ms != 0) {
        j["until_ms"] = o.until_ms;
    }
    return j;
}

// When a member's hold ends by itself: the failover_after deadline or the window's end.
int64_t holdEnds(const StatusInputs& in, const conf::Pool& pool, size_t i,
                 const state::SlotView& v) {
    if (v.hold == state::PolicyHold::FailoverAfter) {
        return policy::failoverDeadline(pool, v.last_change_ms);
    }
    if (v.hold == state::PolicyHold::Maintenance) {
        return policy::windowEnd(in.config, pool, pool.members[i], in.now_ms);
    }
    return 0;
}

// The pool's windows that have not ended, overlapping ones of the same member merged.
json windowsJson(const StatusInputs& in, const conf::Pool& pool) {
    // Keyed by the member's name (empty: the whole pool), however the window names it.
    std::map<std::string, std::vector<const conf::MaintenanceWindow*>> by_member;
    for (const auto& w : in.config.maintenance) {
        if (w.pool != pool.name || w.end_ms <= in.now_ms) {
            continue;
        }
        std::string key;
        for (const auto& m : pool.members) {
            key = !w.member.empty() && conf::windowCovers(w, m) ? m.name : key;
        }
        by_member[key].push_back(&w);
    }
    json out = json::array();
    for (auto& [member, windows] : by_member) {
        std::sort(windows.begin(), windows.end(),
                  [](auto* a, auto* b) { return a->start_ms < b->start_ms; });
        json current;
        for (const auto* w : windows) {
            if (!current.is_null() && w->start_ms <= current["end_ms"].get<int64_t>()) {
                current["end_ms"] = std::max(current["end_ms"].get<int64_t>(), w->end_ms);
                std::string reason = current["reason"];
                current["reason"] = reason.empty() ? w->reason : reason + "; " + w->reason;
                continue;
            }
            if (!current.is_null()) {
                out.push_back(current);
            }
            current = {{"member", member},
                       {"start_ms", w->start_ms},
                       {"end_ms", w->end_ms},
                       {"reason", w->reason}};
        }
        out.push_back(current);
    }
    return out;
}

json policyJson(const StatusInputs& in, const conf::Pool& pool) {
    json p = {{"fallback", conf::fallbackText(pool)},
              {"failover_after_s", pool.failover_after.count()},
              {"failback", conf::toString(pool.failback)},
              {"failover", conf::toString(pool.failover)},
              {"holder", nullptr},
              {"pending_approvals", json::array()},
              {"maintenance", windowsJson(in, pool)}};
    if (const auto* h = in.policy.holder(pool.name)) {
        p["holder"] = {
            {"member", h->member},     {"address", h->address}, {"directed", h->directed},
            {"since_ms", h->since_ms}, {"by", h->by},           {"reason", h->reason}};
    }
    for (const auto& a : in.policy.approvals) {
        if (a.pool == pool.name && !a.approved) {
            p["pending_approvals"].push_back(
                {{"member", a.member}, {"address", a.address}, {"since_ms", a.since_ms}});
        }
    }
    return p;
}

json memberJson(const StatusInputs& in, const conf::Pool& pool, size_t i, lb::Health effective) {
    const auto& m = pool.members[i];
    uint32_t slot = pool.first_slot + uint32_t(i);
    json j = {{"name", m.name}, {"address", conf::memberTarget(m)}, {"weight", m.weight}};
    if (m.isCname()) {
        j["cname"] = m.cname;
    }
    if (m.alert_only) {
        j["alert_only"] = true;
    }
    if (!m.depends_on.empty()) {
        j["depends_on"] = json::array();
        for (const auto& dep : m.depends_on) {
            const auto& target = in.config.pools[size_t(dep.pool)];
            j["depends_on"].push_back(target.name + "/" + target.members[dep.member].name);
        }
    }
    state::SlotView v;
    // The slot as the prober left it, even when the backend does not use it (fail-open).
    if (in.table.readSlot(slot, v)) {
        j["state"] = state::toString(v.state);
        j["admin"] = state::toString(v.admin);
        j["flapping"] = v.flapping;
        j["stale"] = v.stale;
        j["last_change_ms"] = v.last_change_ms;
        j["last_check_ms"] = v.last_check_ms;
        j["latency_us"] = v.latency_us;
        j["consecutive_ok"] = v.consecutive_ok;
        j["consecutive_fail"] = v.consecutive_fail;
        j["last_failure"] = v.reason == state::FailureReason::None
                                ? ""
                                : state::failureText(in.config, pool, m, v.reason, v.detail);
        j["policy"] = state::toString(v.hold);
        if (int64_t until = holdEnds(in, pool, i, v); until != 0) {
            j["policy_until_ms"] = until;
        }
    }
    // What the backend counts the member as (lb::Chain's verdicts: fail-open counts every
    // member as up).
    j["effective"] = toString(effective);
    if (const auto* o = in.overrides.find(pool.name, conf::memberTarget(m))) {
        j["override"] = overrideJson(*o);
    }
    if (in.votes) {
        j["votes"] = in.votes->votesOn(state::voteKey(pool.name, conf::memberTarget(m)));
    }
    return j;
}

// The addresses a client could be answered, by record type: the backend's own decision
// (lb::Chain) run a few dozen times, since weighted draws vary from query to query.
json answersFor(lb::Chain& chain, size_t pool_index, const lb::Client& client) {
    const conf::Config& config = chain.config();
    const conf::Pool& pool = config.pools[pool_index];
    lb::WeightedSampler sampler(uint64_t(pool.first_slot) * 7919 + 1);
    // A name decided whole answers a chosen CNAME to every question and a chosen address only
    // to its own family; otherwise each family from its own decision.
    std::map<std::string, std::set<std::string>> seen;
    for (base::Family family : chain.families(pool_index)) {
        for (int i = 0; i < 64; ++i) {
            const lb::Decision& d = chain.decide(pool_index, family, client, sampler);
            for (uint32_t m : d.answer.members) {
                const auto& member = config.pools[d.pool].members[m];
                const char* type = member.isCname()                       ? "CNAME"
                                   : member.ip.family == base::Family::V4 ? "A"
                                                                          : "AAAA";
                if (member.isCname() || chain.decidedWhole(pool_index) ||
                    member.ip.family == family) {
                    seen[type].insert(conf::memberTarget(member));
                }
            }
        }
    }
    for (base::Family family : {base::Family::V4, base::Family::V6}) {
        if (chain.balancer(pool_index).serves(family)) {
            seen.try_emplace(family == base::Family::V4 ? "A" : "AAAA");  // []: NODATA
        }
    }
    json out = json::object();
    for (auto& [type, targets] : seen) {
        out[type] = targets;
    }
    return out;
}

json globalnamesJson(lb::Chain& chain) {
    const auto& config = chain.config();
    json out = json::array();
    for (const auto& gn : config.globalnames) {
        size_t p = size_t(gn.pool_index);
        const conf::Pool& pool = config.pools[p];
        json g = {{"name", gn.name}, {"pool", gn.pool}, {"ttl", gn.ttl}};
        g["answers"] = answersFor(chain, p, lb::Client{});
        if (pool.lb_method == conf::LbMethod::Twrr) {
            // One client per region: the first address of its first prefix.
            json by_region = json::object();
            for (const auto& region : config.topology.regions) {
                if (!region.cidrs.empty()) {
                    lb::Client c;
                    c.resolver = region.cidrs[0].address;
                    by_region[region.name] = answersFor(chain, p, c);
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
    // Every view below decides as the backend does: lb::Chain over the table-trust gate, all
    // of it over the table as it is at in.now_ms.
    state::TableVerdicts table_verdicts(in.table, in.now_ms, in.heartbeat);
    lb::VerdictSnapshot verdicts(table_verdicts);
    lb::Chain chain(config, verdicts);
    auto status = table_verdicts.status(config);
    bool verdicts_used = state::usesVerdicts(status, config.settings.on_stale);
    json doc = {{"now_ms", in.now_ms},
                {"table",
                 {{"name", config.settings.health_table},
                  {"status", state::toString(status)},
                  {"verdicts_used", verdicts_used},
                  {"on_stale", conf::toString(config.settings.on_stale)}}}};
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
    doc["prober"] = in.prober;
    doc["cluster"] = in.cluster;
    doc["pools"] = json::array();
    for (size_t p = 0; p < config.pools.size(); ++p) {
        const auto& pool = config.pools[p];
        json j = {{"name", pool.name},
                  {"health_quorum", conf::toString(pool.health_quorum)},
                  {"monitor", conf::toString(pool.monitor)},
                  {"lb_method", conf::toString(pool.lb_method)},
                  {"members", json::array()}};
        j.update(policyJson(in, pool));
        bool trusted = true;
        auto effective = chain.verdicts(p, trusted);
        for (size_t i = 0; i < pool.members.size(); ++i) {
            j["members"].push_back(memberJson(in, pool, i, effective[i]));
        }
        doc["pools"].push_back(std::move(j));
    }
    doc["globalnames"] = globalnamesJson(chain);
    return doc;
}

}  // namespace pharos::status
