#include <cstdio>
#include <map>
#include <random>

#include "admin/AdminStateFile.hpp"
#include "backend/HealthSource.hpp"
#include "conf/DnsName.hpp"
#include "ctl/Commands.hpp"
#include "lb/PoolBalancer.hpp"
#include "lb/Trace.hpp"

namespace pharos::ctl {
namespace {

constexpr int kDraws = 1000;

std::optional<lb::Client> clientOf(const Options& options) {
    auto resolver = conf::IpAddress::parse(options.client);
    auto ecs = conf::Cidr::parse(options.ecs, false);
    if (!resolver || (!options.ecs.empty() && !ecs)) {
        std::fprintf(stderr, "pharosctl: --client takes an address and --ecs a CIDR\n");
        return std::nullopt;
    }
    lb::Client client;
    client.resolver = *resolver;
    if (!options.ecs.empty()) {
        client.ecs = ecs;
    }
    return client;
}

// One decision with its trace, then kDraws more to show how a weighted draw spreads.
void explainFamily(const conf::Config& config, const conf::Pool& pool,
                   const lb::PoolBalancer& balancer, conf::Family family,
                   const std::vector<lb::Health>& verdicts, const lb::Client& client) {
    std::printf("%s records:\n", family == conf::Family::V4 ? "A" : "AAAA");
    lb::WeightedSampler sampler(std::random_device{}());
    lb::Answer answer;
    lb::Trace trace;
    balancer.decide(family, verdicts, client, sampler, answer, &trace);
    std::fputs(lb::formatTrace(pool, config.topology, trace, answer, client).c_str(), stdout);
    std::map<uint32_t, int> first;
    for (int i = 0; i < kDraws; ++i) {
        balancer.decide(family, verdicts, client, sampler, answer);
        if (!answer.members.empty()) {
            ++first[answer.members[0]];
        }
    }
    if (first.size() > 1) {
        std::printf("first address over %d decisions:", kDraws);
        for (auto [member, count] : first) {
            std::printf(" %s %.1f%%", pool.members[member].ip.str().c_str(),
                        100.0 * count / kDraws);
        }
        std::printf("\n");
    }
}

// The operators' overrides on the pool's members, as the admin-state file records them.
void printOverrides(const conf::Config& config, const conf::Pool& pool) {
    auto loaded = admin::loadAdminState(config.settings.admin_state);
    const auto* overrides = std::get_if<admin::AdminOverrides>(&loaded);
    for (const auto& m : pool.members) {
        const admin::Override* o = overrides ? overrides->find(pool.name, m.ip.str()) : nullptr;
        if (o) {
            std::printf("admin: %s %s is %s by %s%s%s\n", m.name.c_str(), m.ip.str().c_str(),
                        o->action == health::AdminOverride::Drain      ? "drained"
                        : o->action == health::AdminOverride::ForcedUp ? "forced up"
                                                                       : "forced down",
                        o->by.c_str(), o->reason.empty() ? "" : ": ", o->reason.c_str());
        }
    }
}

}  // namespace

// Runs the backend's own decision (lb::PoolBalancer, per address family, under the same table
// policy) for one name and client against the live health table, and prints why.
int runExplain(const Options& options) {
    if (options.args.size() != 1 || options.client.empty()) {
        std::fprintf(stderr, "usage: pharosctl explain NAME --client IP [--ecs CIDR]\n");
        return 2;
    }
    auto config = loadForCommand(options);
    if (!config) {
        return 2;
    }
    const conf::GlobalName* gn = config->findGlobalName(conf::canonicalName(options.args[0]));
    if (!gn) {
        std::fprintf(stderr, "%s is not a globalname: pdns answers it from its other backends\n",
                     options.args[0].c_str());
        return 1;
    }
    auto client = clientOf(options);
    if (!client) {
        return 2;
    }
    const conf::Pool& pool = config->pools[size_t(gn->pool_index)];
    backend::TableHealthSource health(config->settings.health_table);
    health.refresh();
    std::vector<lb::Health> verdicts(pool.members.size());
    bool trusted = health.fill(*config, pool, verdicts);
    lb::TopologyIndex index(config->topology);
    lb::PoolBalancer balancer(pool, config->topology, index);
    std::printf("%s (ttl %u)\n", gn->name.c_str(), gn->ttl);
    std::printf("health table %s: %s\n", health::toString(health.lastStatus()),
                trusted ? "verdicts used" : "every member counts as up (fail-open)");
    printOverrides(*config, pool);
    for (conf::Family family : {conf::Family::V4, conf::Family::V6}) {
        if (balancer.serves(family)) {
            explainFamily(*config, pool, balancer, family, verdicts, *client);
        } else {
            std::printf("%s records: none, the pool has no %s member (NODATA)\n",
                        family == conf::Family::V4 ? "A" : "AAAA",
                        family == conf::Family::V4 ? "IPv4" : "IPv6");
        }
    }
    return 0;
}

}  // namespace pharos::ctl
