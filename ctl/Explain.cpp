#include <cstdio>

#include "backend/HealthSource.hpp"
#include "conf/DnsName.hpp"
#include "ctl/Commands.hpp"
#include "lb/Balancer.hpp"
#include "lb/TopologyIndex.hpp"
#include "lb/Trace.hpp"

namespace pharos::ctl {

// Runs the backend's own decision for one name and client, with the live health table, and
// prints why. The backend's rotation position is its own; explain starts a fresh one, so for
// wrr it shows which members are candidates rather than which one comes next.
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
    lb::Client client;
    auto resolver = conf::IpAddress::parse(options.client);
    auto ecs = conf::Cidr::parse(options.ecs, false);
    if (!resolver || (!options.ecs.empty() && !ecs)) {
        std::fprintf(stderr, "pharosctl: --client takes an address and --ecs a CIDR\n");
        return 2;
    }
    client.resolver = *resolver;
    if (!options.ecs.empty()) {
        client.ecs = ecs;
    }
    const conf::Pool& pool = config->pools[size_t(gn->pool_index)];
    backend::TableHealthSource health(config->settings.health_table);
    health.refresh();
    std::vector<lb::Health> verdicts(pool.members.size());
    bool trusted = health.fill(*config, pool, verdicts);
    lb::TopologyIndex index(config->topology);
    auto balancer = lb::makeBalancer(pool, config->topology, index);
    lb::Answer answer;
    lb::Trace trace;
    balancer->decide(verdicts, client, answer, &trace);
    std::printf("%s (ttl %u)\n", gn->name.c_str(), gn->ttl);
    if (!trusted) {
        std::printf("health table %s: every member counts as up (fail-open)\n",
                    health::toString(health.lastStatus()));
    }
    std::fputs(lb::formatTrace(pool, config->topology, trace, answer).c_str(), stdout);
    return 0;
}

}  // namespace pharos::ctl
