#include "backend/GslbResolver.hpp"

#include <algorithm>
#include <unordered_map>

#include "base/DnsName.hpp"
#include "base/Log.hpp"

namespace pharos::backend {

struct GslbResolver::Snapshot {
    conf::Config config;
    lb::Chain chain;  // every pool's balancer, built here, off the lookup thread
    std::vector<std::vector<std::string>> address_text;  // by pool: member targets, formatted once
    // Names above a globalname (deep.contoso.local for a.deep.contoso.local) that are not
    // globalnames themselves, with the smallest ttl below them. They exist as empty
    // non-terminals: NXDOMAIN there would deny every name below (RFC 8020), and in a signed
    // zone would contradict the NSEC chain that pharos-zone.sh writes.
    std::unordered_map<std::string, uint32_t> ancestors;

    Snapshot(conf::Config c, lb::VerdictSource& health)
        : config(std::move(c)), chain(config, health, lb::Chain::Build::Eager) {
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
        address_text.reserve(config.pools.size());
        for (const auto& pool : config.pools) {
            auto& text = address_text.emplace_back();
            for (const auto& m : pool.members) {
                text.push_back(conf::memberTarget(m));
            }
        }
    }
};

GslbResolver::GslbResolver(conf::Config config, std::unique_ptr<lb::VerdictSource> health,
                           ResolverOptions options)
    : health_(std::move(health)),
      snapshot_(std::make_unique<Snapshot>(std::move(config), *health_)),
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
    next->snapshot = std::make_unique<Snapshot>(std::move(config), *health_);
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

const LookupAnswer& GslbResolver::lookup(const LookupRequest& request, bool repeat) {
    answer_.clear();
    state::BackendCounters& counters = stats_->counters();
    ++counters.lookups;
    counters.queries += !repeat;
    Snapshot& snap = *snapshot_;
    base::canonicalNameInto(request.qname, name_);
    const conf::GlobalName* gn = snap.config.findGlobalName(name_);
    Want want = wantOf(request.qtype);
    if (!gn && want == Want::Any) {
        if (auto it = snap.ancestors.find(name_); it != snap.ancestors.end()) {
            addEmptyNonTerminal(it->second);
            return answer_;
        }
    }
    // A globalname holds addresses or one CNAME, never a SOA, NS, DS or anything else.
    if (!gn || gn->pool_index < 0 || want == Want::Other ||
        (want == Want::Cname && !snap.chain.decidedWhole(size_t(gn->pool_index)))) {
        return answer_;
    }
    ++counters.lookup_hits;
    Query query{*gn, stats_->name(size_t(gn - snap.config.globalnames.data())), clientOf(request),
                want, !repeat};
    query.per_name.queries += query.count;
    bool any = snap.chain.decidedWhole(size_t(gn->pool_index)) ? answerWhole(query)
                                                               : answerByFamily(query);
    counters.fail_open_answers += !query.trusted;
    query.per_name.fail_open += !query.trusted && query.count;
    if (!any && want != Want::Any) {
        answer_.clear();  // no records of the type asked for
        return answer_;
    }
    if (!any) {
        addEmptyNonTerminal(gn->ttl);  // fallback refuse
    }
    answer_.found = true;
    return answer_;
}

// Runs the name's chain for one family, and counts the fallbacks it took.
const lb::Decision& GslbResolver::decide(Query& query, base::Family family) {
    const lb::Decision& d = snapshot_->chain.decide(query.gn, family, query.client, sampler_);
    query.trusted = query.trusted && d.trusted;
    state::BackendCounters& counters = stats_->counters();
    counters.fallback_answers += d.answer.fallback;
    counters.refused_answers += d.answer.refused;
    query.per_name.fallback += d.answer.fallback && query.count;
    query.per_name.refused += d.answer.refused && query.count;
    return d;
}

// A chain of pools with cname members is decided once, whole, and answers one member: its
// CNAME to ANY and CNAME lookups, or its address to ANY and to a lookup of its family.
bool GslbResolver::answerWhole(Query& query) {
    const lb::Decision& d = decide(query, base::Family::V4);
    if (d.answer.members.empty()) {
        return false;
    }
    const conf::Pool& chosen = snapshot_->config.pools[d.pool];
    uint32_t index = d.answer.members[0];
    const conf::Member& member = chosen.members[index];
    if (member.isCname()) {
        if (query.want != Want::Any && query.want != Want::Cname) {
            return false;
        }
        stats_->answers(chosen.first_slot + index) += query.count;
        answer_.records.push_back({AnswerRecord::Type::Cname,
                                   snapshot_->address_text[d.pool][index], query.gn.ttl,
                                   d.scope_mask});
        return true;
    }
    bool wanted = query.want == Want::Any ||
                  (query.want == Want::A && member.ip.family == base::Family::V4) ||
                  (query.want == Want::Aaaa && member.ip.family == base::Family::V6);
    if (wanted) {
        addRecords(d, member.ip.family, query);
    }
    return !answer_.records.empty();
}

// An address pool answers each family from its own decision: A, AAAA, or both for ANY.
bool GslbResolver::answerByFamily(Query& query) {
    for (base::Family family : snapshot_->chain.families(size_t(query.gn.pool_index))) {
        if ((family == base::Family::V4 && query.want == Want::Aaaa) ||
            (family == base::Family::V6 && query.want == Want::A)) {
            continue;
        }
        addRecords(decide(query, family), family, query);
    }
    return !answer_.records.empty();
}

void GslbResolver::addRecords(const lb::Decision& d, base::Family family, const Query& query) {
    const conf::Pool& pool = snapshot_->config.pools[d.pool];
    const auto& text = snapshot_->address_text[d.pool];
    auto type = family == base::Family::V6 ? AnswerRecord::Type::Aaaa : AnswerRecord::Type::A;
    for (uint32_t index : d.answer.members) {
        if (pool.members[index].ip.family != family) {
            continue;  // a pool decided whole chose an address of the other family
        }
        stats_->answers(pool.first_slot + index) += query.count;
        answer_.records.push_back({type, text[index], query.gn.ttl, d.scope_mask});
    }
}

// The name exists but has no records: an empty non-terminal makes pdns answer NOERROR/NODATA
// with the SOA, where `false` would make it NXDOMAIN.
void GslbResolver::addEmptyNonTerminal(uint32_t ttl) {
    answer_.found = true;
    answer_.records.push_back({AnswerRecord::Type::EmptyNonTerminal, {}, ttl, 0});
}

}  // namespace pharos::backend
