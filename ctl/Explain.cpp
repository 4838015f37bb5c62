#include <cstdio>
#include <map>
#include <random>

#include "admin/AdminStateFile.hpp"
#include "base/Clock.hpp"
#include "base/DnsName.hpp"
#include "base/Timestamp.hpp"
#include "ctl/Commands.hpp"
#include "ctl/ControlClient.hpp"
#include "lb/Chain.hpp"
#include "lb/VerdictSnapshot.hpp"
#include "policy/PoolPolicy.hpp"
#include "state/FailureText.hpp"
#include "state/TableVerdicts.hpp"
#include "status/VotesText.hpp"

namespace pharos::ctl {
namespace {

constexpr int kDraws = 1000;

std::optional<lb::Client> clientOf(const Options& options) {
    auto resolver = base::IpAddress::parse(options.client);
    auto ecs = base::Cidr::parse(options.ecs, false);
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

// Why a DR policy holds a member in or out of the answers, and until when.
std::string holdText(const conf::Config& config, const conf::Pool& pool, const conf::Member& member,
                     const state::SlotView& v, int64_t now_ms) {
    switch (v.hold) {
        case state::PolicyHold::FailoverAfter:
            return "down, kept in the answers by failover_after until " +
                   base::formatRfc3339(policy::failoverDeadline(pool, v.last_change_ms));
        case state::PolicyHold::AwaitingApproval:
            return "down, kept in the answers until pharosctl failover " + pool.name +
                   " (failover: manual)";
        case state::PolicyHold::HeldOff:
            return "up, kept out of the answers until pharosctl failback " + pool.name;
        case state::PolicyHold::Maintenance:
            for (const auto& w : config.maintenance) {
                if (w.pool == pool.name && conf::windowCovers(w, member) && w.start_ms <= now_ms &&
                    now_ms < w.end_ms) {
                    return "drained by a maintenance window ending " +
                           base::formatRfc3339(policy::windowEnd(config, pool, member, now_ms)) +
                           (w.reason.empty() ? "" : " (" + w.reason + ")");
                }
            }
            return "drained by a maintenance window";
        case state::PolicyHold::None:
            break;
    }
    return "";
}

// The DR policies' holds on a pool's members, as the table publishes them.
void printHolds(const conf::Config& config, const conf::Pool& pool,
                const state::HealthTableReader& table) {
    for (size_t i = 0; i < pool.members.size(); ++i) {
        state::SlotView v;
        if (table.readSlot(pool.first_slot + uint32_t(i), v) && v.hold != state::PolicyHold::None) {
            std::printf("policy: %s %s is %s\n", pool.members[i].name.c_str(),
                        conf::memberTarget(pool.members[i]).c_str(),
                        holdText(config, pool, pool.members[i], v, base::realtimeMs()).c_str());
        }
    }
}

// Members whose checks fail, and why; alert_only members, whose checks never move answers.
void printChecks(const conf::Config& config, const conf::Pool& pool,
                 const state::HealthTableReader& table) {
    for (size_t i = 0; i < pool.members.size(); ++i) {
        const auto& m = pool.members[i];
        state::SlotView v;
        bool down =
            table.readSlot(pool.first_slot + uint32_t(i), v) && v.state == state::MemberState::Down;
        if (down) {
            std::printf("check: %s %s is down: %s%s\n", m.name.c_str(),
                        conf::memberTarget(m).c_str(),
                        state::failureText(config, pool, m, v.reason, v.detail).c_str(),
                        m.alert_only ? " (alert_only: answered as up)" : "");
        } else if (m.alert_only) {
            std::printf("check: %s %s is alert_only: its checks never change the answers\n",
                        m.name.c_str(), conf::memberTarget(m).c_str());
        }
    }
}

// Each node's vote on the pool's members, when the pool combines them (the prober holds the
// votes, not the table).
void printVotes(const conf::Config& config, const conf::Pool& pool) {
    if (!config.settings.cluster.enabled() || pool.health_quorum == conf::HealthQuorum::Local) {
        return;
    }
    auto reply = askProber(config.settings.control_socket, {{"command", "cluster"}});
    if (!reply || !reply->value("ok", false)) {
        std::printf("votes: pharos-health could not be asked\n");
        return;
    }
    const auto& cluster = (*reply)["cluster"];
    std::printf("votes (health_quorum %s, etcd %s):\n", conf::toString(pool.health_quorum),
                cluster.value("store", "?").c_str());
    const auto& votes = (*reply)["votes"][pool.name];
    for (const auto& m : pool.members) {
        std::string target = conf::memberTarget(m);
        std::string line = votes.contains(target) ? status::votesText(votes[target]) : "";
        std::printf("  %s %s:%s\n", m.name.c_str(), target.c_str(), line.c_str());
    }
}

// One decision with its trace (a step per pool of the fallback chain), then kDraws more to
// show how a weighted draw spreads.
void explainFamily(lb::Chain& chain, size_t pool, base::Family family, const lb::Client& client) {
    const conf::Config& config = chain.config();
    if (chain.decidedWhole(pool)) {
        std::printf(config.pools[pool].has_cname
                        ? "records (one member, any family: the pool has cname members):\n"
                        : "records (one member, any family: a pool of its fallback chain has "
                          "cname members):\n");
    } else {
        std::printf("%s records:\n", family == base::Family::V4 ? "A" : "AAAA");
    }
    lb::WeightedSampler sampler(std::random_device{}());
    lb::ChainTrace trace;
    const lb::Decision& traced = chain.decide(pool, family, client, sampler, &trace);
    for (size_t s = 0; s < trace.steps.size(); ++s) {
        const conf::Pool& p = config.pools[trace.steps[s].pool];
        if (s > 0) {
            std::printf("then, by the fallback chain:\n");
        }
        lb::Answer shown = s + 1 == trace.steps.size() ? traced.answer : lb::Answer{};
        std::fputs(lb::formatTrace(p, config.topology, trace.steps[s].trace, shown, client).c_str(),
                   stdout);
    }
    std::map<std::string, int> first;
    for (int i = 0; i < kDraws; ++i) {
        const lb::Decision& d = chain.decide(pool, family, client, sampler);
        if (!d.answer.members.empty()) {
            ++first[conf::memberTarget(config.pools[d.pool].members[d.answer.members[0]])];
        }
    }
    if (first.size() > 1) {
        std::printf("first address over %d decisions:", kDraws);
        for (const auto& [address, count] : first) {
            std::printf(" %s %.1f%%", address.c_str(), 100.0 * count / kDraws);
        }
        std::printf("\n");
    }
}

// The operators' overrides on the pool's members, as the admin-state file records them, and
// the pool's DR-policy records (holder, pending approvals).
void printOverrides(const conf::Config& config, const conf::Pool& pool) {
    auto loaded = admin::loadAdminState(config.settings.admin_state);
    const auto* state = std::get_if<admin::AdminState>(&loaded);
    for (const auto& m : pool.members) {
        const admin::Override* o =
            state ? state->overrides.find(pool.name, conf::memberTarget(m)) : nullptr;
        if (o) {
            std::printf("admin: %s %s is %s by %s%s%s\n", m.name.c_str(),
                        conf::memberTarget(m).c_str(), state::adminText(o->action), o->by.c_str(),
                        o->reason.empty() ? "" : ": ", o->reason.c_str());
        }
    }
    if (!state) {
        return;
    }
    if (const auto* h = state->policy.holder(pool.name)) {
        std::printf("policy: answers held on %s %s since %s (%s) until pharosctl failback %s\n",
                    h->member.c_str(), h->address.c_str(), base::formatRfc3339(h->since_ms).c_str(),
                    h->directed ? ("moved there by " + h->by).c_str() : "failback: manual",
                    pool.name.c_str());
    }
    for (const auto& a : state->policy.approvals) {
        if (a.pool == pool.name && !a.approved) {
            std::printf("policy: failover from %s %s awaits approval since %s\n", a.member.c_str(),
                        a.address.c_str(), base::formatRfc3339(a.since_ms).c_str());
        }
    }
}

}  // namespace

// Runs the backend's own decision (lb::Chain over state::TableVerdicts, the table-trust gate)
// for one name and client against the live health table, and prints why.
int runExplain(const Options& options) {
    if (options.args.size() != 1 || options.client.empty()) {
        std::fprintf(stderr, "usage: pharosctl explain NAME --client IP [--ecs CIDR]\n");
        return kExitUsage;
    }
    auto config = loadForCommand(options);
    if (!config) {
        return kExitProblem;
    }
    const conf::GlobalName* gn = config->findGlobalName(base::canonicalName(options.args[0]));
    if (!gn) {
        std::fprintf(stderr, "%s is not a globalname: pdns answers it from its other backends\n",
                     options.args[0].c_str());
        return kExitProblem;
    }
    auto client = clientOf(options);
    if (!client) {
        return kExitUsage;
    }
    size_t pool_index = size_t(gn->pool_index);
    const conf::Pool& pool = config->pools[pool_index];
    state::TableVerdicts table_verdicts(config->settings.health_table);
    table_verdicts.refresh();
    lb::VerdictSnapshot verdicts(table_verdicts);  // every decision below over one moment's
    lb::Chain chain(*config, verdicts);
    bool trusted = true;
    chain.verdicts(pool_index, trusted);
    std::printf("%s (ttl %u)\n", gn->name.c_str(), gn->ttl);
    std::printf("health table %s: %s\n", state::tableStatusText(table_verdicts.lastStatus()),
                trusted ? "verdicts used" : "every member counts as up (fail-open)");
    printOverrides(*config, pool);
    state::HealthTableReader table(config->settings.health_table);  // one mapping for both
    table.refresh();
    printHolds(*config, pool, table);
    printChecks(*config, pool, table);
    printVotes(*config, pool);
    for (base::Family family : {base::Family::V4, base::Family::V6}) {
        if (chain.decidedWhole(pool_index)) {
            explainFamily(chain, pool_index, family, *client);
            break;  // decided once for every question
        }
        if (chain.balancer(pool_index).serves(family)) {
            explainFamily(chain, pool_index, family, *client);
        } else {
            std::printf("%s records: none, the pool has no %s member (NODATA)\n",
                        family == base::Family::V4 ? "A" : "AAAA",
                        family == base::Family::V4 ? "IPv4" : "IPv6");
        }
    }
    return kExitOk;
}

}  // namespace pharos::ctl
