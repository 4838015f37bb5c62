#include "health/ControlCommands.hpp"

#include "base/Clock.hpp"
#include "base/Log.hpp"
#include "health/ClusterReport.hpp"
#include "health/LoadReport.hpp"
#include "policy/PoolPolicy.hpp"

namespace pharos::health {

using nlohmann::json;

namespace {

json failure(std::string why) {
    return {{"ok", false}, {"error", std::move(why)}};
}

std::string reasonText(const json& request) {
    std::string reason = request.value("reason", "");
    return reason.empty() ? "" : " (" + reason + ")";
}

// The user behind a command, as the logs and records name them.
std::string who(const json& request, const sys::PeerCredentials& peer) {
    std::string by = peer.user;
    if (peer.uid == 0 && !request.value("sudo_user", "").empty()) {
        by += " (sudo from " + request.value("sudo_user", "") + ")";
    }
    return by;
}

}  // namespace

ControlCommands::ControlCommands(AdminStateKeeper& keeper, EventReporter& events,
                                 const cluster::ClusterLink* cluster, const ProbeCounters& counters,
                                 Reload reload)
    : keeper_(keeper),
      events_(events),
      cluster_(cluster),
      counters_(counters),
      reload_(std::move(reload)) {}

const std::map<std::string, ControlCommands::Handler>& ControlCommands::table() {
    static const std::map<std::string, Handler> handlers = {
        {"set", &ControlCommands::set},           {"clear", &ControlCommands::clear},
        {"reload", &ControlCommands::reload},     {"failover", &ControlCommands::failover},
        {"failback", &ControlCommands::failback}, {"cluster", &ControlCommands::cluster},
        {"prober", &ControlCommands::prober},
    };
    return handlers;
}

std::vector<std::string> ControlCommands::names() {
    std::vector<std::string> out;
    for (const auto& [name, handler] : table()) {
        out.push_back(name);
    }
    return out;
}

json ControlCommands::handle(const ProbeRun& run, const json& request,
                             const sys::PeerCredentials& peer) {
    const std::string& command = request["command"].get_ref<const std::string&>();
    auto it = table().find(command);
    if (it == table().end()) {
        return failure("unknown command " + command);
    }
    return (this->*(it->second))(Request{run, request, peer});
}

std::variant<std::vector<ControlCommands::Target>, std::string> ControlCommands::resolve(
    const conf::Config& config, const std::string& pool_name, const std::string& member) {
    int p = config.poolIndex(pool_name);
    if (p < 0) {
        return "no pool " + pool_name + " in the running configuration";
    }
    const conf::Pool& pool = config.pools[size_t(p)];
    std::vector<Target> out;
    for (uint32_t i = 0; i < pool.members.size(); ++i) {
        const auto& m = pool.members[i];
        if (member.empty() || m.name == member || conf::memberTarget(m) == member) {
            out.push_back({&pool, i});
        }
    }
    if (out.empty()) {
        return "pool " + pool_name + " has no member named or at " + member;
    }
    return out;
}

std::optional<std::string> ControlCommands::commit(const Request& r, admin::AdminState next) {
    std::string error;
    if (!keeper_.commit(r.run.config().settings, std::move(next), error)) {
        return error;
    }
    return std::nullopt;
}

json ControlCommands::set(const Request& r) {
    state::AdminOverride action = admin::actionFromName(r.body.value("action", ""));
    if (action == state::AdminOverride::None) {
        return failure("action must be drain, force-up or force-down");
    }
    int64_t now = base::realtimeMs();
    int64_t until = r.body.value("until_ms", int64_t(0));
    if (until != 0 && until <= now) {
        return failure("--until is not in the future");
    }
    auto targets = resolve(r.run.config(), r.body.value("pool", ""), r.body.value("member", ""));
    if (auto* error = std::get_if<std::string>(&targets)) {
        return failure(*error);
    }
    std::string by = who(r.body, r.peer);
    admin::AdminState next = keeper_.state();
    json members = json::array();
    for (const auto& t : std::get<std::vector<Target>>(targets)) {
        const auto& m = t.pool->members[t.member];
        next.overrides.set({t.pool->name, m.name, conf::memberTarget(m), action,
                            r.body.value("reason", ""), by, now, until});
        members.push_back(describeMember(*t.pool, t.member));
    }
    if (auto error = commit(r, std::move(next))) {
        return failure(*error);
    }
    return {{"ok", true}, {"action", state::toString(action)}, {"members", members}};
}

json ControlCommands::clear(const Request& r) {
    auto targets = resolve(r.run.config(), r.body.value("pool", ""), r.body.value("member", ""));
    if (auto* error = std::get_if<std::string>(&targets)) {
        return failure(*error);
    }
    admin::AdminState next = keeper_.state();
    json members = json::array();
    for (const auto& t : std::get<std::vector<Target>>(targets)) {
        if (next.overrides.clear(t.pool->name, conf::memberTarget(t.pool->members[t.member]))) {
            members.push_back(describeMember(*t.pool, t.member));
        }
    }
    if (!members.empty()) {
        if (auto error = commit(r, std::move(next))) {
            return failure(*error);
        }
    }
    return {{"ok", true}, {"action", "clear"}, {"members", members}};
}

json ControlCommands::failover(const Request& r) {
    const conf::Config& config = r.run.config();
    std::string pool_name = r.body.value("pool", "");
    std::string member = r.body.value("member", "");
    int p = config.poolIndex(pool_name);
    if (p < 0) {
        return failure("no pool " + pool_name + " in the running configuration");
    }
    const conf::Pool& pool = config.pools[size_t(p)];
    std::string by = who(r.body, r.peer);
    admin::AdminState next = keeper_.state();
    json moved;
    std::string said;
    if (member.empty()) {
        auto approved = next.policy.approve(pool.name, by);
        if (approved.empty()) {
            return failure("nothing in pool " + pool.name +
                           " awaits approval; name the member to move the answers to");
        }
        moved = json::array();
        for (const auto& a : approved) {
            moved.push_back(a.member + " " + a.address);
        }
        said = "failover approved";
    } else {
        if (pool.lb_method != conf::LbMethod::FoGroup) {
            return failure("pool " + pool.name + " is " + conf::toString(pool.lb_method) +
                           "; only fogroup pools have one member to move the answers to");
        }
        auto targets = resolve(config, pool_name, member);
        if (auto* error = std::get_if<std::string>(&targets)) {
            return failure(*error);
        }
        const auto& found = std::get<std::vector<Target>>(targets);
        if (found.size() > 1) {
            return failure("more than one member of " + pool.name + " is named " + member +
                           "; name it by its address");
        }
        const Target t = found.front();
        state::SlotView v = r.run.table().read(pool.first_slot + t.member);
        state::MemberState state =
            pool.members[t.member].alert_only ? state::MemberState::Up : v.state;
        if (!state::answerable(state, keeper_.adminOf(pool, t.member), state::PolicyHold::None) ||
            pool.members[t.member].weight == 0 ||
            policy::inMaintenance(config, pool, pool.members[t.member], base::realtimeMs())) {
            return failure(describeMember(pool, t.member) +
                           " cannot be answered (down, drained, forced down, in maintenance or "
                           "weight 0); answers cannot move there");
        }
        next.policy.approve(pool.name, by);  // superseded: answers go there
        const auto& m = pool.members[t.member];
        next.policy.setHolder({pool.name, m.name, conf::memberTarget(m), true, base::realtimeMs(),
                               by, r.body.value("reason", "")});
        moved = describeMember(pool, t.member);
        said = "answers moved to " + describeMember(pool, t.member) + " until pharosctl failback";
    }
    if (auto error = commit(r, std::move(next))) {
        return failure(*error);
    }
    PHAROS_LOG(Warning, "pool " << pool.name << ": " << said << " by " << by << reasonText(r.body));
    std::string to;
    for (const auto& m : moved.is_array() ? moved : json::array({moved})) {
        to += (to.empty() ? "" : ", ") + m.get<std::string>();
    }
    events_.publish({"operator-failover", pool.name, member, "", "", to,
                     said + " by " + by + reasonText(r.body), base::realtimeMs()});
    return {{"ok", true}, {"action", "failover"}, {"pool", pool.name}, {"members", moved}};
}

json ControlCommands::failback(const Request& r) {
    std::string pool_name = r.body.value("pool", "");
    if (r.run.config().poolIndex(pool_name) < 0) {
        return failure("no pool " + pool_name + " in the running configuration");
    }
    admin::AdminState next = keeper_.state();
    const admin::Holder* h = next.policy.holder(pool_name);
    if (!h) {
        return failure("the answers of pool " + pool_name + " are not held on any member");
    }
    std::string was = h->member + " " + h->address;
    next.policy.clearHolder(pool_name);
    if (auto error = commit(r, std::move(next))) {
        return failure(*error);
    }
    std::string by = who(r.body, r.peer);
    PHAROS_LOG(Warning, "pool " << pool_name << ": failback by " << by << reasonText(r.body)
                                << "; answers held on " << was << " follow the normal rules again");
    events_.publish({"operator-failback", pool_name, "", "", was, "",
                     "failback by " + by + reasonText(r.body), base::realtimeMs()});
    return {{"ok", true}, {"action", "failback"}, {"pool", pool_name}, {"members", {was}}};
}

json ControlCommands::reload(const Request&) {
    return reload_();
}

// For pharosctl status and explain: the votes are not in the table.
json ControlCommands::cluster(const Request& r) {
    return {{"ok", true},
            {"cluster", clusterJson(cluster_)},
            {"votes", votesJson(cluster_, r.run.config())}};
}

// For pharosctl status: whether the prober keeps up with its schedule. Read-only.
json ControlCommands::prober(const Request&) {
    return {{"ok", true}, {"prober", loadJson(counters_)}};
}

}  // namespace pharos::health
