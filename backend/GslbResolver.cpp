#include "backend/GslbResolver.hpp"

#include <algorithm>
#include <cstdio>
#include <unordered_map>

#include "base/DnsName.hpp"
#include "base/Log.hpp"
#include "lb/FallbackChain.hpp"

namespace pharos::backend {

struct GslbResolver::Snapshot {
    conf::Config config;
    lb::TopologyIndex topology;
    struct PoolRuntime {
        lb::PoolBalancer balancer;
        std::vector<std::string> address_text;  // member addresses, formatted once
    };
    std::vector<PoolRuntime> pools;
    // Whether a pool or any pool on its fallback chain has cname members: those names answer
    // the CNAME to a question of any type, so such questions are decided too.
    std::vector<bool> chain_has_cname;
    // Names above a globalname (deep.contoso.local for a.deep.contoso.local) that are not
    // globalnames themselves, with the smallest ttl below them. They exist as empty
    // non-terminals: NXDOMAIN there would deny every name below (RFC 8020), and in a signed
    // zone would contradict the NSEC chain that pharos-zone.sh writes.
    std::unordered_map<std::string, uint32_t> ancestors;

    explicit Snapshot(conf::Config c) : config(std::move(c)), topology(config.topology) {
        for (const auto& gn : config.globalnames) {
            for (size_t dot = gn.name.find('.'); dot != std::string::npos;
                 dot = gn.name.find('.', dot + 1)) {
                std::string above = gn.name.substr(dot + 1);
                if (config.findGlobalName(above)) {
                    continue;
                }
                auto [it, added] = ancestors.emplace(above, gn.ttl);
                it->second = std::min(it->second, gn.ttl);
            }
        }
        for (const auto& pool : config.pools) {
            PoolRuntime rt{lb::PoolBalancer(pool, config.topology, topology), {}};
            for (const auto& m : pool.members) {
                rt.address_text.push_back(conf::memberTarget(m));
            }
            pools.push_back(std::move(rt));
        }
        for (const auto& pool : config.pools) {
            bool found = false;
            const conf::Pool* at = &pool;
            for (size_t step = 0; at && step <= config.pools.size() && !found; ++step) {
                found = at->has_cname;
                at = at->fallback_pool_index < 0 ? nullptr
                                                 : &config.pools[size_t(at->fallback_pool_index)];
            }
            chain_has_cname.push_back(found);
        }
    }
};

GslbResolver::GslbResolver(conf::Config config, std::unique_ptr<lb::VerdictSource> health,
                           ResolverOptions options)
    : snapshot_(std::make_unique<Snapshot>(std::move(config))),
      health_(std::move(health)),
      options_(std::move(options)),
      stats_(std::make_unique<state::BackendStats>(options_.stats_block, options_.stats_group,
                                                   snapshot_->config, options_.started_ms)),
      sampler_(options_.seed) {
    stats_->publish(nullptr);
    health_->refresh();
}

GslbResolver::~GslbResolver() = default;

const conf::Config& GslbResolver::config() const {
    return snapshot_->config;
}

struct GslbResolver::Prepared {
    std::unique_ptr<Snapshot> snapshot;
    std::unique_ptr<state::BackendStats> stats;
};

void GslbResolver::FreePrepared::operator()(Prepared* p) const {
    delete p;
}

GslbResolver::PreparedPtr GslbResolver::prepare(conf::Config config) const {
    PreparedPtr next(new Prepared);
    next->snapshot = std::make_unique<Snapshot>(std::move(config));
    next->stats = std::make_unique<state::BackendStats>(options_.stats_block, options_.stats_group,
                                                        next->snapshot->config, options_.started_ms,
                                                        stats_.get(), &snapshot_->config);
    return next;
}

GslbResolver::PreparedPtr GslbResolver::install(PreparedPtr next) {
    // Totals here, on the lookup thread, so none is lost; counts per name and member made
    // between prepare() and now stay with the old block.
    next->stats->carryTotals(*stats_);
    ++next->stats->header().reloads;
    next->stats->publish(stats_.get());
    std::swap(snapshot_, next->snapshot);
    std::swap(stats_, next->stats);
    health_->refresh();
    return next;
}

void GslbResolver::reload(conf::Config config) {
    install(prepare(std::move(config)));
}

namespace {

lb::Client clientOf(const LookupRequest& request) {
    lb::Client client;
    if (auto ip = base::IpAddress::parse(request.remote)) {
        client.resolver = *ip;
    }
    // pdns passes the ECS source as real-remote, or remote/32 (/128) when there was none.
    if (auto ecs = base::Cidr::parse(request.real_remote, false)) {
        bool is_resolver =
            ecs->prefix == ecs->address.bitLength() && ecs->address == client.resolver;
        if (!is_resolver) {
            client.ecs = *ecs;
        }
    }
    return client;
}

void appendEscaped(std::string& out, std::string_view text) {
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        if (uint8_t(c) < 0x20) {
            continue;  // pdns never sends control characters in names
        }
        out += c;
    }
}

}  // namespace

// pdns's remote backend answers a lookup of one type with records of that type only, the way
// gsqlite3 does, and `ANY` with all of them: pdns itself chases a CNAME found by its `ANY`
// lookup, and calls that skip UeberBackend's type filter (DNSBackend::getSOA, while the zone
// cache is off) take any other record as a permanent error (docs/ARCHITECTURE.md, "What pdns
// asks").
GslbResolver::Want GslbResolver::wantOf(std::string_view qtype) {
    return qtype == "ANY"     ? Want::Any
           : qtype == "A"     ? Want::A
           : qtype == "AAAA"  ? Want::Aaaa
           : qtype == "CNAME" ? Want::Cname
                              : Want::Other;
}

void GslbResolver::lookup(const LookupRequest& request, std::string& reply, bool repeat) {
    state::BackendCounters& counters = stats_->counters();
    ++counters.lookups;
    counters.queries += !repeat;
    const Snapshot& snap = *snapshot_;
    base::canonicalNameInto(request.qname, name_);
    const conf::GlobalName* gn = snap.config.findGlobalName(name_);
    Want want = wantOf(request.qtype);
    if (!gn && want == Want::Any) {
        if (auto it = snap.ancestors.find(name_); it != snap.ancestors.end()) {
            reply += R"({"result":[)";
            appendEmptyNonTerminal(request.qname, it->second, reply);
            reply += "]}";
            return;
        }
    }
    // A globalname holds addresses or one CNAME, never a SOA, NS, DS or anything else.
    if (!gn || gn->pool_index < 0 || want == Want::Other ||
        (want == Want::Cname && !snap.chain_has_cname[size_t(gn->pool_index)])) {
        reply += R"({"result":false})";
        return;
    }
    ++counters.lookup_hits;
    Query query{request,           *gn,  stats_->name(size_t(gn - snap.config.globalnames.data())),
                clientOf(request), want, !repeat};
    query.per_name.queries += query.count;
    size_t start = reply.size();
    reply += R"({"result":[)";
    bool any = snap.chain_has_cname[size_t(gn->pool_index)] ? answerWhole(query, reply)
                                                            : answerByFamily(query, reply);
    counters.fail_open_answers += !query.trusted;
    query.per_name.fail_open += !query.trusted && query.count;
    if (!any && want != Want::Any) {
        reply.resize(start);
        reply += R"({"result":false})";  // no records of the type asked for
        return;
    }
    if (!any) {
        appendEmptyNonTerminal(request.qname, gn->ttl, reply);  // fallback refuse
    }
    reply += "]}";
}

// Runs the pool's chain for one family; returns the pool whose members answer_ indexes.
size_t GslbResolver::decide(Query& query, base::Family family) {
    const Snapshot& snap = *snapshot_;
    auto health_of = [&](size_t at) {
        const conf::Pool& chained = snap.config.pools[at];
        verdicts_.resize(chained.members.size());
        query.trusted = health_->fill(snap.config, chained, verdicts_) && query.trusted;
        return std::span<const lb::Health>(verdicts_);
    };
    auto balancer_of = [&](size_t at) -> const lb::PoolBalancer& {
        return snap.pools[at].balancer;
    };
    auto no_trace = [](size_t, size_t) -> lb::Trace* { return nullptr; };
    size_t answered =
        lb::decideWithFallbacks(snap.config, size_t(query.gn.pool_index), family, balancer_of,
                                health_of, no_trace, query.client, sampler_, answer_);
    state::BackendCounters& counters = stats_->counters();
    counters.fallback_answers += answer_.fallback;
    counters.refused_answers += answer_.refused;
    query.per_name.fallback += answer_.fallback && query.count;
    query.per_name.refused += answer_.refused && query.count;
    return answered;
}

// A chain of pools with cname members is decided once, whole, and answers one member: its
// CNAME to ANY and CNAME lookups, or its address to ANY and to a lookup of its family.
bool GslbResolver::answerWhole(Query& query, std::string& reply) {
    const Snapshot& snap = *snapshot_;
    size_t answered = decide(query, base::Family::V4);
    if (answer_.members.empty()) {
        return false;
    }
    const conf::Pool& chosen = snap.config.pools[answered];
    uint32_t index = answer_.members[0];
    const conf::Member& member = chosen.members[index];
    int scope_mask = lb::scopeMaskFor(answer_, query.client);
    if (member.isCname()) {
        if (query.want != Want::Any && query.want != Want::Cname) {
            return false;
        }
        appendCname(chosen, snap.pools[answered].address_text[index], index, query.request.qname,
                    query.gn.ttl, scope_mask, reply, query.count);
        return true;
    }
    bool wanted = query.want == Want::Any ||
                  (query.want == Want::A && member.ip.family == base::Family::V4) ||
                  (query.want == Want::Aaaa && member.ip.family == base::Family::V6);
    bool first = true;
    if (wanted) {
        appendRecords(chosen, snap.pools[answered].address_text, query.request.qname, query.gn.ttl,
                      scope_mask, member.ip.family, reply, first, query.count);
    }
    return !first;
}

// An address pool answers each family from its own decision: A, AAAA, or both for ANY.
bool GslbResolver::answerByFamily(Query& query, std::string& reply) {
    const Snapshot& snap = *snapshot_;
    bool first = true;
    for (base::Family family : {base::Family::V4, base::Family::V6}) {
        if (!snap.pools[size_t(query.gn.pool_index)].balancer.serves(family) ||
            (family == base::Family::V4 && query.want == Want::Aaaa) ||
            (family == base::Family::V6 && query.want == Want::A)) {
            continue;
        }
        size_t answered = decide(query, family);
        appendRecords(snap.config.pools[answered], snap.pools[answered].address_text,
                      query.request.qname, query.gn.ttl, lb::scopeMaskFor(answer_, query.client),
                      family, reply, first, query.count);
    }
    return !first;
}

// The name exists but has no records: an empty non-terminal (type 0, as gsqlite3 stores them)
// makes pdns answer NOERROR/NODATA with the SOA, where `false` would make it NXDOMAIN.
void GslbResolver::appendEmptyNonTerminal(std::string_view qname, uint32_t ttl,
                                          std::string& reply) {
    char number[16];
    reply += R"({"qtype":"TYPE0","qname":")";
    appendEscaped(reply, qname);
    reply += R"(","content":"","ttl":)";
    reply.append(number, size_t(std::snprintf(number, sizeof number, "%u", ttl)));
    reply += R"(,"auth":true})";
}

void GslbResolver::appendRecords(const conf::Pool& pool,
                                 const std::vector<std::string>& address_text,
                                 std::string_view qname, uint32_t ttl, int scope_mask,
                                 base::Family family, std::string& reply, bool& first, bool count) {
    for (uint32_t index : answer_.members) {
        if (pool.members[index].ip.family != family) {
            continue;  // a pool decided whole chose an address of the other family
        }
        stats_->answers(pool.first_slot + index) += count;
        reply += first ? "" : ",";
        first = false;
        reply += pool.members[index].ip.family == base::Family::V6 ? R"({"qtype":"AAAA","qname":")"
                                                                   : R"({"qtype":"A","qname":")";
        appendEscaped(reply, qname);
        reply += R"(","content":")";
        reply += address_text[index];
        reply += '"';
        appendRecordEnd(ttl, scope_mask, reply);
    }
}

// `,"ttl":…,"auth":true[,"scopeMask":…]}`: the end every record of an answer shares.
void GslbResolver::appendRecordEnd(uint32_t ttl, int scope_mask, std::string& reply) {
    char number[16];
    reply += R"(,"ttl":)";
    reply.append(number, size_t(std::snprintf(number, sizeof number, "%u", ttl)));
    reply += R"(,"auth":true)";
    if (scope_mask > 0) {
        reply += R"(,"scopeMask":)";
        reply.append(number, size_t(std::snprintf(number, sizeof number, "%d", scope_mask)));
    }
    reply += '}';
}

void GslbResolver::appendCname(const conf::Pool& pool, const std::string& target, uint32_t index,
                               std::string_view qname, uint32_t ttl, int scope_mask,
                               std::string& reply, bool count) {
    stats_->answers(pool.first_slot + index) += count;
    reply += R"({"qtype":"CNAME","qname":")";
    appendEscaped(reply, qname);
    reply += R"(","content":")";
    appendEscaped(reply, target);  // the loader allows host-name characters only; still
    reply += R"(.")";
    appendRecordEnd(ttl, scope_mask, reply);
}

}  // namespace pharos::backend
