#include "backend/GslbResolver.hpp"

#include <cstdio>

#include "conf/DnsName.hpp"
#include "conf/Log.hpp"

namespace pharos::backend {

struct GslbResolver::Snapshot {
    conf::Config config;
    lb::TopologyIndex topology;
    struct PoolRuntime {
        std::unique_ptr<lb::Balancer> balancer;
        std::vector<std::string> address_text;  // member addresses, formatted once
        bool has_v4 = false;
        bool has_v6 = false;
    };
    std::vector<PoolRuntime> pools;

    explicit Snapshot(conf::Config c) : config(std::move(c)), topology(config.topology) {
        for (const auto& pool : config.pools) {
            PoolRuntime rt;
            rt.balancer = lb::makeBalancer(pool, config.topology, topology);
            for (const auto& m : pool.members) {
                rt.address_text.push_back(m.ip.str());
                (m.ip.family == conf::Family::V4 ? rt.has_v4 : rt.has_v6) = true;
            }
            pools.push_back(std::move(rt));
        }
    }
};

GslbResolver::GslbResolver(conf::Config config, std::unique_ptr<HealthSource> health)
    : snapshot_(std::make_unique<Snapshot>(std::move(config))), health_(std::move(health)) {
    health_->refresh();
}

GslbResolver::~GslbResolver() = default;

const conf::Config& GslbResolver::config() const {
    return snapshot_->config;
}

void GslbResolver::reload(conf::Config config) {
    snapshot_ = std::make_unique<Snapshot>(std::move(config));
    health_->refresh();
}

namespace {

lb::Client clientOf(const LookupRequest& request) {
    lb::Client client;
    if (auto ip = conf::IpAddress::parse(request.remote)) {
        client.resolver = *ip;
    }
    // pdns passes the ECS source as real-remote, or remote/32 (/128) when there was none.
    if (auto ecs = conf::Cidr::parse(request.real_remote, false)) {
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

void GslbResolver::lookup(const LookupRequest& request, std::string& reply) {
    ++counters_.lookups;
    const Snapshot& snap = *snapshot_;
    conf::canonicalNameInto(request.qname, name_);
    const conf::GlobalName* gn = snap.config.findGlobalName(name_);
    Want want = request.qtype == "ANY"    ? Want::Any
                : request.qtype == "A"    ? Want::A
                : request.qtype == "AAAA" ? Want::Aaaa
                                          : Want::Nothing;
    if (!gn || gn->pool_index < 0 || want == Want::Nothing) {
        reply += R"({"result":false})";
        return;
    }
    ++counters_.lookup_hits;
    size_t pool = size_t(gn->pool_index);
    const conf::Pool& p = snap.config.pools[pool];
    verdicts_.resize(p.members.size());
    bool trusted = health_->fill(snap.config, p, verdicts_);
    counters_.fail_open_answers += !trusted;
    lb::Client client = clientOf(request);
    const auto& rt = snap.pools[pool];
    size_t start = reply.size();
    reply += R"({"result":[)";
    bool first = true;
    if (rt.has_v4 && want != Want::Aaaa) {
        decideFamily(snap, pool, false, client);
        appendRecords(snap, pool, false, request.qname, gn->ttl, client.ecs.has_value(), reply,
                      first);
    }
    if (rt.has_v6 && want != Want::A) {
        decideFamily(snap, pool, true, client);
        appendRecords(snap, pool, true, request.qname, gn->ttl, client.ecs.has_value(), reply,
                      first);
    }
    if (first && answer_.refused) {
        // An empty non-terminal (type 0, as gsqlite3 stores them) tells pdns the name exists
        // with no data: NOERROR/NODATA with the SOA, where `false` would make it NXDOMAIN.
        reply += R"({"qtype":"TYPE0","qname":")";
        appendEscaped(reply, request.qname);
        reply += R"(","content":"","ttl":)";
        reply += std::to_string(gn->ttl);
        reply += R"(,"auth":true}]})";
        return;
    }
    if (first) {
        reply.resize(start);
        reply += R"({"result":false})";
        return;
    }
    reply += "]}";
}

// A and AAAA are chosen separately, each among the members of its own family, so a dual-stack
// pool never answers an A query with nothing because its one pick was an IPv6 member.
void GslbResolver::decideFamily(const Snapshot& snap, size_t pool, bool v6,
                                const lb::Client& client) {
    const conf::Pool& p = snap.config.pools[pool];
    const auto& rt = snap.pools[pool];
    std::span<const lb::Health> health = verdicts_;
    if (rt.has_v4 && rt.has_v6) {
        masked_.assign(verdicts_.begin(), verdicts_.end());
        for (size_t i = 0; i < p.members.size(); ++i) {
            if ((p.members[i].ip.family == conf::Family::V6) != v6) {
                masked_[i] = lb::Health::Down;
            }
        }
        health = masked_;
    }
    answer_.clear();
    rt.balancer->decide(health, client, answer_);
    counters_.fallback_answers += answer_.fallback;
    counters_.refused_answers += answer_.refused;
}

void GslbResolver::appendRecords(const Snapshot& snap, size_t pool, bool v6, std::string_view qname,
                                 uint32_t ttl, bool ecs, std::string& reply, bool& first) {
    const conf::Pool& p = snap.config.pools[pool];
    const auto& rt = snap.pools[pool];
    if (answer_.refused) {
        return;
    }
    char number[16];
    for (uint32_t index : answer_.members) {
        if ((p.members[index].ip.family == conf::Family::V6) != v6) {
            continue;  // fallback `any` may offer the other family
        }
        reply += first ? "" : ",";
        first = false;
        reply += v6 ? R"({"qtype":"AAAA","qname":")" : R"({"qtype":"A","qname":")";
        appendEscaped(reply, qname);
        reply += R"(","content":")";
        reply += rt.address_text[index];
        reply += R"(","ttl":)";
        reply.append(number, size_t(std::snprintf(number, sizeof number, "%u", ttl)));
        reply += R"(,"auth":true)";
        if (ecs) {
            reply += R"(,"scopeMask":)";
            reply.append(number,
                         size_t(std::snprintf(number, sizeof number, "%d", answer_.scope_prefix)));
        }
        reply += '}';
    }
}

}  // namespace pharos::backend
