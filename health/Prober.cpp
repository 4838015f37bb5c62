#include "health/Prober.hpp"

#include <malloc.h>

#include <algorithm>
#include <filesystem>

#include "admin/AdminStateFile.hpp"
#include "base/Clock.hpp"
#include "base/Log.hpp"
#include "conf/CommandLine.hpp"
#include "conf/ConfigLoader.hpp"
#include "health/web/MetricsText.hpp"
#include "health/web/StatusPage.hpp"
#include "policy/PoolPolicy.hpp"
#include "state/FailureText.hpp"
#include "status/StatusDocument.hpp"
#include "sys/Systemd.hpp"

namespace pharos::health {

using nlohmann::json;

namespace {

json failure(std::string why) {
    return {{"ok", false}, {"error", std::move(why)}};
}

std::string describe(const conf::Pool& pool, uint32_t member) {
    const auto& m = pool.members[member];
    return pool.name + "/" + m.name + " " + conf::memberTarget(m);
}

}  // namespace

std::unique_ptr<ProbeRun> Prober::startRun(conf::Config config) {
    conf::applyLogLevel(config);
    for (const auto& pool : config.pools) {
        if (pool.health_quorum != conf::HealthQuorum::Local && !config.settings.cluster.enabled()) {
            PHAROS_LOG(Warning, "pool " << pool.name << ": health_quorum "
                                        << conf::toString(pool.health_quorum)
                                        << " has no effect without a cluster: section; this "
                                           "node decides alone");
        }
    }
    auto run = std::make_unique<ProbeRun>(io_, std::move(config), &probe_counters_);
    // The hook runs for the run that probed (during a reload, the new one before it is run_).
    run->onStateChange([this, r = run.get()](const conf::Pool& pool, uint32_t member,
                                             state::MemberState before, state::SlotView& next) {
        notifyStateChange(r->config(), pool, member, before, next);
        if (governed(r->config(), pool)) {
            applyPolicies(*r, pool, int(member), &next);
        }
        watchAnswers(pool);
    });
    if (cluster_) {
        run->useVotes(&cluster_->votes());
        run->onOwnVerdict(
            [this](const conf::Pool& pool, const conf::Member& m, state::MemberState own) {
                cluster_->ownVerdict(state::voteKey(pool.name, conf::memberTarget(m)),
                                     own == state::MemberState::Down);
            });
    }
    run->start();
    // Parsing a large LB file leaves tens of MB of freed heap behind; hand it back so the
    // prober's footprint is what it uses.
    malloc_trim(0);
    return run;
}

Prober::Prober(boost::asio::io_context& io, std::string config_path, conf::Config config)
    : io_(io),
      config_path_(std::move(config_path)),
      started_ms_(base::realtimeMs()),
      expiry_(io),
      readiness_(io) {
    auto loaded = admin::loadAdminState(config.settings.admin_state);
    if (auto* state = std::get_if<admin::AdminState>(&loaded)) {
        state_ = std::move(*state);
    } else {
        for (const auto& e : std::get<std::vector<conf::ConfigError>>(loaded)) {
            broken_state_ += (broken_state_.empty() ? "" : "; ") + e.str();
        }
        PHAROS_LOG(Error, "ADMIN OVERRIDES NOT LOADED: " << broken_state_
                                                         << "; probing with no overrides. The "
                                                            "file is kept until the next "
                                                            "pharosctl command replaces it.");
    }
    notifier_ = std::make_unique<notify::Notifier>(io_, config.settings);
    startCluster(config.settings);
    run_ = startRun(std::move(config));
    if (cluster_) {  // verdicts carried over from the table: this node's vote from the start
        cluster_->resetOwn(run_->ownDown(), run_->table().ready(), run_->config().layout_hash);
    }
    startWatch();
    findPolicyPools();
    starting_ = true;  // the first decision may restore holders the records lost
    publishOverrides();
    starting_ = false;
    startControl();
    startHttp();
    scheduleExpiry();
    notifyReadyWhenTableIs(started_ms_ + 10000);
}

// systemd's READY=1 once every member has a first verdict, or after ten seconds at the most
// (members that take that long to answer must not hold pharos's start back).
void Prober::notifyReadyWhenTableIs(int64_t deadline_ms) {
    if (run_->table().ready() || base::realtimeMs() >= deadline_ms) {
        sys::notifySystemd(run_->table().ready()
                               ? "READY=1\nSTATUS=every member has a verdict"
                               : "READY=1\nSTATUS=some members have no verdict yet");
        return;
    }
    readiness_.expires_after(std::chrono::milliseconds(100));
    readiness_.async_wait([this, deadline_ms](const boost::system::error_code& e) {
        if (!e) {
            notifyReadyWhenTableIs(deadline_ms);
        }
    });
}

Prober::~Prober() {
    stop();
}

void Prober::stop() {
    expiry_.cancel();
    readiness_.cancel();
    control_.reset();
    http_.reset();
    if (run_) {
        run_->stop();
    }
}

void Prober::startCluster(const conf::Settings& settings) {
    if (!settings.cluster.enabled()) {
        return;
    }
    cluster::ClusterLink::Hooks hooks;
    hooks.shared_state = [this](admin::AdminState shared) { adoptSharedState(std::move(shared)); };
    hooks.local_state = [this] { return state_; };
    hooks.votes_changed = [this] {
        if (run_) {
            run_->refreshQuorum();
        }
    };
    cluster_ = std::make_unique<cluster::ClusterLink>(io_, settings.cluster, std::move(hooks));
    cluster_->start();
}

// What another node's pharosctl or policies changed (or, after a reconnection, what the cluster
// decided meanwhile) replaces this node's state; the admin-state file keeps it for a restart
// that finds etcd unreachable.
void Prober::adoptSharedState(admin::AdminState shared) {
    if (!run_) {
        return;
    }
    if (shared == state_) {
        shared_ = std::move(shared);  // what later changes are measured against
        return;
    }
    PHAROS_LOG(Info,
               "cluster: shared state changed: " << shared.overrides.all().size() << " overrides, "
                                                 << shared.policy.holders.size() << " held pools, "
                                                 << shared.policy.approvals.size() << " approvals");
    state_ = std::move(shared);
    shared_ = state_;
    setAsideUnreadable(run_->config().settings);  // the cluster's state supersedes it
    findPolicyPools();
    publishOverrides();
    saveState(run_->config().settings, "shared state from the cluster");
}

// Sends the cluster what changed in state_ since it was last shared. A change made while etcd
// cannot be reached stays this node's: the cluster's state replaces it when etcd is back.
void Prober::shareState() {
    if (cluster_) {
        cluster_->pushChange(shared_, state_);
        shared_ = state_;
    }
}

// pool -> member address -> node -> vote; empty when standalone.
json Prober::votesJson() const {
    json votes = json::object();
    if (!cluster_) {
        return votes;
    }
    for (const auto& pool : run_->config().pools) {
        for (const auto& m : pool.members) {
            std::string target = conf::memberTarget(m);
            votes[pool.name][target] = cluster_->votes().votesOn(state::voteKey(pool.name, target));
        }
    }
    return votes;
}

json Prober::clusterJson() const {
    if (!cluster_) {
        return nullptr;
    }
    const auto& st = cluster_->status();
    const auto& s = cluster_->settings();
    json nodes = json::object();
    for (const auto& [name, vote] : cluster_->votes().nodes()) {
        nodes[name] = {{"site", vote.site}, {"ready", vote.ready}, {"down", vote.down.size()}};
    }
    return {{"node", s.node},
            {"site", s.site},
            {"store", st.connected ? "connected" : "unreachable"},
            {"store_since_ms", st.since_ms},
            {"store_failures", st.failures},
            {"store_error", st.last_error},
            {"endpoint", st.endpoint},
            {"revision", st.revision},
            {"live_nodes", cluster_->votes().liveNodes()},
            {"nodes", nodes}};
}

void Prober::startControl() {
    const auto& s = run_->config().settings;
    try {
        control_ = std::make_unique<ControlServer>(
            io_, s.control_socket, s.control_group,
            [this](const json& request, const sys::PeerCredentials& peer) {
                return handle(request, peer);
            });
    } catch (const std::exception& e) {
        // Probing matters more than being steerable: carry on, loudly.
        PHAROS_LOG(Error, "control socket: " << e.what() << "; pharosctl cannot change state");
    }
}

void Prober::startHttp() {
    const std::string& listen = run_->config().settings.http_listen;
    try {
        http_ = std::make_unique<web::HttpServer>(
            io_, listen, [this](const std::string& target) { return serveHttp(target); });
        PHAROS_LOG(Info, "metrics and status on http://" << listen << "/");
    } catch (const std::exception& e) {
        PHAROS_LOG(Error, "http: " << e.what() << "; no /metrics or status page");
    }
}

web::Response Prober::serveHttp(const std::string& target) {
    const conf::Config& config = run_->config();
    std::string path = target.substr(0, target.find('?'));
    int64_t now = base::realtimeMs();
    state::HealthTableReader table(config.settings.health_table);
    table.refresh();
    if (path == "/metrics") {
        state::BackendStatsReader backend(state::statsBlockName(config.settings));
        backend.refresh();
        web::MetricsInputs in{config,  table, probe_counters_, state_.overrides, state_.policy,
                              backend, now,   started_ms_};
        for (const auto& q : notifier_->queues()) {
            const auto& c = q->counts();
            in.webhooks.push_back(
                {q->target().shown, c.delivered, c.failed_attempts, c.dropped, q->queued()});
        }
        if (cluster_) {
            const auto& st = cluster_->status();
            in.cluster = web::ClusterMetrics{cluster_->settings().node, st.connected, st.failures,
                                             cluster_->votes().nodes().size(), st.since_ms};
        }
        return {200, "text/plain; version=0.0.4; charset=utf-8", web::metricsText(in)};
    }
    if (path == "/status") {
        status::StatusInputs in{config, table, state_.overrides, state_.policy, broken_state_, now};
        in.cluster = clusterJson();
        in.votes = cluster_ ? &cluster_->votes() : nullptr;
        return {200, "application/json", status::statusDocument(in).dump(2)};
    }
    if (path == "/" || path == "/index.html") {
        return {200, "text/html; charset=utf-8", std::string(web::statusPageHtml())};
    }
    return {404, "text/plain; charset=utf-8", "not found: try /, /status or /metrics\n"};
}

json Prober::reload() {
    auto loaded = conf::loadConfig(config_path_);
    if (auto* errors = std::get_if<std::vector<conf::ConfigError>>(&loaded)) {
        json list = json::array();
        for (const auto& e : *errors) {
            PHAROS_LOG(Error, e.str());
            list.push_back(e.str());
        }
        PHAROS_LOG(Error, "reload rejected; still probing the previous configuration");
        return {{"ok", false}, {"errors", list}};
    }
    auto& config = std::get<conf::Config>(loaded);
    std::vector<std::string> changes = conf::describeChanges(run_->config(), config);
    try {
        bool webhooks_change = !notifier_->sameTargets(config.settings);
        if (webhooks_change) {
            // Throws on an unreadable ca_file while nothing has changed yet.
            notify::Notifier check(io_, config.settings);
            changes.push_back("webhooks: " + std::to_string(config.settings.notify.size()));
        }
        auto next = startRun(std::move(config));  // takes over the verdicts
        if (webhooks_change) {                    // unchanged webhooks keep their queues
            notifier_ = std::make_unique<notify::Notifier>(io_, next->config().settings,
                                                           std::move(*notifier_));
        }
        run_->stop();
        run_ = std::move(next);
        startWatch();
        if (cluster_) {  // members may have come or gone
            cluster_->resetOwn(run_->ownDown(), run_->table().ready(), run_->config().layout_hash);
        }
    } catch (const std::exception& e) {
        PHAROS_LOG(Error,
                   "reload failed: " << e.what() << "; still probing the previous configuration");
        return {{"ok", false}, {"errors", json::array({e.what()})}};
    }
    findPolicyPools();
    publishOverrides();
    for (const auto& c : changes) {
        PHAROS_LOG(Info, "reload: " << c);
    }
    PHAROS_LOG(Info, "configuration reloaded from " << config_path_);
    return {{"ok", true}, {"changes", changes}};
}

json Prober::handle(const json& request, const sys::PeerCredentials& peer) {
    const std::string& command = request["command"].get_ref<const std::string&>();
    if (command == "set") {
        return setOverrides(request, peer);
    }
    if (command == "clear") {
        return clearOverrides(request);
    }
    if (command == "reload") {
        return reload();
    }
    if (command == "failover") {
        return failover(request, peer);
    }
    if (command == "failback") {
        return failback(request, peer);
    }
    if (command == "cluster") {  // for pharosctl status and explain: the votes are not in the table
        return {{"ok", true}, {"cluster", clusterJson()}, {"votes", votesJson()}};
    }
    return failure("unknown command " + command);
}

std::variant<std::vector<Prober::Target>, std::string> Prober::resolve(
    const std::string& pool_name, const std::string& member) const {
    const auto& config = run_->config();
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

static std::string reasonText(const json& request) {
    std::string reason = request.value("reason", "");
    return reason.empty() ? "" : " (" + reason + ")";
}

// The user behind a command, as the logs and records name them.
std::string Prober::who(const json& request, const sys::PeerCredentials& peer) {
    std::string by = peer.user;
    if (peer.uid == 0 && !request.value("sudo_user", "").empty()) {
        by += " (sudo from " + request.value("sudo_user", "") + ")";
    }
    return by;
}

json Prober::setOverrides(const json& request, const sys::PeerCredentials& peer) {
    state::AdminOverride action = admin::actionFromName(request.value("action", ""));
    if (action == state::AdminOverride::None) {
        return failure("action must be drain, force-up or force-down");
    }
    int64_t now = base::realtimeMs();
    int64_t until = request.value("until_ms", int64_t(0));
    if (until != 0 && until <= now) {
        return failure("--until is not in the future");
    }
    auto targets = resolve(request.value("pool", ""), request.value("member", ""));
    if (auto* error = std::get_if<std::string>(&targets)) {
        return failure(*error);
    }
    std::string by = who(request, peer);
    admin::AdminState next = state_;
    json members = json::array();
    for (const auto& t : std::get<std::vector<Target>>(targets)) {
        const auto& m = t.pool->members[t.member];
        next.overrides.set({t.pool->name, m.name, conf::memberTarget(m), action,
                            request.value("reason", ""), by, now, until});
        members.push_back(describe(*t.pool, t.member));
    }
    std::string error;
    if (!commit(std::move(next), error)) {
        return failure(error);
    }
    return {{"ok", true}, {"action", admin::actionName(action)}, {"members", members}};
}

json Prober::clearOverrides(const json& request) {
    auto targets = resolve(request.value("pool", ""), request.value("member", ""));
    if (auto* error = std::get_if<std::string>(&targets)) {
        return failure(*error);
    }
    admin::AdminState next = state_;
    json members = json::array();
    for (const auto& t : std::get<std::vector<Target>>(targets)) {
        if (next.overrides.clear(t.pool->name, conf::memberTarget(t.pool->members[t.member]))) {
            members.push_back(describe(*t.pool, t.member));
        }
    }
    std::string error;
    if (!members.empty() && !commit(std::move(next), error)) {
        return failure(error);
    }
    return {{"ok", true}, {"action", "clear"}, {"members", members}};
}

// Keeps what the operator had before the first save replaces it: an admin-state file that
// could not be read at start moves aside rather than vanish.
void Prober::setAsideUnreadable(const conf::Settings& s) {
    if (broken_state_.empty()) {
        return;
    }
    std::error_code ignored;
    std::filesystem::rename(s.admin_state, s.admin_state + ".unreadable", ignored);
    PHAROS_LOG(Warning, "moved the unreadable " << s.admin_state << " to " << s.admin_state
                                                << ".unreadable");
    broken_state_.clear();
}

bool Prober::commit(admin::AdminState next, std::string& error) {
    const auto& s = run_->config().settings;
    if (cluster_ && !cluster_->status().connected) {
        // Taken here alone, the change would be undone by the cluster's state when etcd is
        // back, and the other nodes would answer without it meanwhile.
        error = "the cluster's etcd cannot be reached (" + cluster_->status().last_error +
                "): a change made on this node alone would not reach the others; nothing was "
                "changed";
        return false;
    }
    setAsideUnreadable(s);
    try {
        admin::saveAdminState(s.admin_state, next, s.control_group);
    } catch (const std::exception& e) {
        error = std::string(e.what()) + "; nothing was changed";
        PHAROS_LOG(Error, "admin override not saved: " << error);
        return false;
    }
    state_ = std::move(next);
    shareState();
    findPolicyPools();
    publishOverrides();
    return true;
}

void Prober::logAdminChange(const conf::Pool& pool, uint32_t member, state::AdminOverride was) {
    const auto& m = pool.members[member];
    const admin::Override* o = state_.overrides.find(pool.name, conf::memberTarget(m));
    std::string by = o && !o->by.empty() ? " by " + o->by : "";
    std::string reason = o && !o->reason.empty() ? " (" + o->reason + ")" : "";
    PHAROS_LOG(Info, describe(pool, member)
                         << ": admin " << (o ? admin::actionName(o->action) : "cleared") << by
                         << reason);
    watchAnswers(pool);
    notifier_->publish({"admin-override", pool.name, m.name, conf::memberTarget(m),
                        admin::actionName(was), o ? admin::actionName(o->action) : "none",
                        o ? (o->by.empty() ? "" : "by " + o->by) + reason : "cleared or ended",
                        base::realtimeMs(), m.alert_only});
}

void Prober::startWatch() {
    watch_ = std::make_unique<AnswerWatch>(run_->config(), run_->table());
    for (uint32_t p = 0; p < run_->config().pools.size(); ++p) {
        watch_->recheck(p);  // what each pool answers now, to compare with
    }
}

// Decides the pool again once this turn of the event loop has published what changed (the
// hook runs before the slot is written, and a site outage changes many members at once).
void Prober::watchAnswers(const conf::Pool& pool) {
    // A pool of another configuration: a reload's new run, whose watch starts from what it
    // publishes (or the first run, before it is run_).
    if (!run_ || !watch_) {
        return;
    }
    const auto& config = run_->config();
    if (&pool < config.pools.data() || &pool >= config.pools.data() + config.pools.size()) {
        return;
    }
    bool first = watch_dirty_.empty();
    uint32_t p = uint32_t(&pool - config.pools.data());
    if (std::find(watch_dirty_.begin(), watch_dirty_.end(), p) == watch_dirty_.end()) {
        watch_dirty_.push_back(p);
    }
    if (!first) {
        return;
    }
    boost::asio::post(io_, [this, alive = alive_] {
        if (!*alive || !watch_) {
            return;
        }
        for (uint32_t dirty : std::exchange(watch_dirty_, {})) {
            if (dirty >= run_->config().pools.size()) {
                continue;
            }
            if (auto move = watch_->recheck(dirty)) {
                const auto& pool = run_->config().pools[dirty];
                PHAROS_LOG(Warning, "pool " << pool.name << ": answers moved from " << move->from
                                            << " to " << move->to);
                notifier_->publish({"failover", pool.name, "", "", move->from, move->to,
                                    "the answer of the fogroup pool changed", base::realtimeMs()});
            }
        }
    });
}

void Prober::notifyStateChange(const conf::Config& config, const conf::Pool& pool, uint32_t member,
                               state::MemberState before, const state::SlotView& next) {
    if (before == state::MemberState::Unknown && next.state == state::MemberState::Up) {
        return;  // a first verdict that is fine: a start of 100,000 members is not news
    }
    const auto& m = pool.members[member];
    std::string reason = next.state == state::MemberState::Down
                             ? state::failureText(config, pool, m, next.reason, next.detail)
                             : "";
    notifier_->publish({"member-state", pool.name, m.name, conf::memberTarget(m), toString(before),
                        toString(next.state), reason, base::realtimeMs(), m.alert_only});
}

state::AdminOverride Prober::adminOf(const conf::Pool& pool, uint32_t member) const {
    const admin::Override* o =
        state_.overrides.find(pool.name, conf::memberTarget(pool.members[member]));
    return o ? o->action : state::AdminOverride::None;
}

// Writes every member's override (or none) into its slot's verdict word; logs each change.
// Pools with a DR policy get theirs with the holds decided for them, in the same write.
void Prober::publishOverrides() {
    const auto& pools = run_->config().pools;
    for (uint32_t p = 0; p < pools.size(); ++p) {
        if (policy_pool_[p]) {
            applyPolicies(*run_, pools[p]);
            continue;
        }
        for (uint32_t i = 0; i < pools[p].members.size(); ++i) {
            state::AdminOverride was = run_->table().read(pools[p].first_slot + i).admin;
            if (run_->setAdmin(pools[p].first_slot + i, adminOf(pools[p], i))) {
                logAdminChange(pools[p], i, was);
            }
        }
    }
}

// Ends overrides whose --until has passed and applies the time-driven policies, five times a
// second so answers change within the promised second.
void Prober::scheduleExpiry() {
    expiry_.expires_after(std::chrono::milliseconds(200));
    expiry_.async_wait([this](const boost::system::error_code& e) {
        if (e) {
            return;
        }
        if (cluster_) {
            cluster_->ownReady(run_->table().ready());
        }
        auto ended = state_.overrides.expire(base::realtimeMs());
        if (!ended.empty()) {
            // The override ends anyway; on a restart it would be read back already over.
            saveState(run_->config().settings, "an override ended");
            publishOverrides();  // the policies' holds too
        } else {
            // failover_after deadlines and maintenance windows pass with time, not probes.
            applyAllPolicies();
        }
        scheduleExpiry();
    });
}

// Saves the records once the decisions of this turn of the event loop are made: a site
// outage changes many pools at once, and one write covers them all. Until the file is
// written a restart re-derives the same records from the holds in the table.
void Prober::saveState(const conf::Settings& s, const char* why) {
    if (!broken_state_.empty()) {
        // The operator's unreadable file stays where it is until a pharosctl command (which
        // moves it aside); what the policies decide meanwhile lives in the table.
        PHAROS_LOG(Error, "DR policy records not saved (" << why << "): " << s.admin_state
                                                          << " could not be read at start");
        return;
    }
    if (save_pending_) {
        return;
    }
    save_pending_ = true;
    boost::asio::post(io_, [this, path = s.admin_state, group = s.control_group,
                            alive = std::weak_ptr<bool>(alive_)] {
        if (alive.expired()) {
            return;
        }
        save_pending_ = false;
        shareState();  // the policies' records are the cluster's too
        try {
            admin::saveAdminState(path, state_, group);
        } catch (const std::exception& failure) {
            // The decision stands (a probe result cannot be refused); a restart before the
            // next save re-derives it from the table, so say so loudly.
            PHAROS_LOG(Error, "admin-state file not updated: " << failure.what());
        }
    });
}

void Prober::findPolicyPools() {
    const auto& config = run_->config();
    std::vector<bool> windowed(config.pools.size());
    for (const auto& w : config.maintenance) {
        if (w.pool_index >= 0) {
            windowed[size_t(w.pool_index)] = true;
        }
    }
    policy_pools_.clear();
    policy_pool_.assign(config.pools.size(), false);
    for (uint32_t p = 0; p < config.pools.size(); ++p) {
        const auto& pool = config.pools[p];
        if (policy::hasPolicy(pool, windowed[p]) || state_.policy.holder(pool.name)) {
            policy_pools_.push_back(p);
            policy_pool_[p] = true;
        } else {
            for (uint32_t i = 0; i < pool.members.size(); ++i) {
                run_->setHold(pool.first_slot + i, state::PolicyHold::None);  // a reload removed it
            }
        }
    }
    if (cluster_) {
        // Other nodes may still have them (a rolling change of the LB file): dropping them
        // here would delete them from the cluster. Records of pools this node lacks hold
        // nothing here.
        return;
    }
    // Records of pools and members a reload removed have nothing left to hold.
    auto gone = [&](const std::string& pool, const std::string& address) {
        int p = config.poolIndex(pool);
        if (p < 0) {
            return true;
        }
        for (const auto& m : config.pools[size_t(p)].members) {
            if (conf::memberTarget(m) == address) {
                return false;
            }
        }
        return true;
    };
    size_t removed = std::erase_if(state_.policy.holders,
                                   [&](const admin::Holder& h) { return gone(h.pool, h.address); });
    removed += std::erase_if(state_.policy.approvals, [&](const admin::PendingApproval& a) {
        return gone(a.pool, a.address);
    });
    if (removed > 0) {
        PHAROS_LOG(Info, "DR policies: dropped " << removed
                                                 << " records of pools or members no longer "
                                                    "configured");
        saveState(config.settings, "records of removed members dropped");
    }
}

bool Prober::governed(const conf::Config& config, const conf::Pool& pool) const {
    if (policy::hasPolicy(pool, false) || state_.policy.holder(pool.name)) {
        return true;
    }
    return std::any_of(config.maintenance.begin(), config.maintenance.end(),
                       [&](const conf::MaintenanceWindow& w) { return w.pool == pool.name; });
}

void Prober::applyAllPolicies() {
    for (uint32_t p : policy_pools_) {
        applyPolicies(*run_, run_->config().pools[p]);
    }
}

void Prober::applyPolicies(ProbeRun& run, const conf::Pool& pool, int changed,
                           state::SlotView* next) {
    const auto& config = run.config();
    int64_t now = base::realtimeMs();
    std::vector<policy::MemberView> views(pool.members.size());
    for (uint32_t i = 0; i < pool.members.size(); ++i) {
        state::SlotView published = run.table().read(pool.first_slot + i);
        const state::SlotView& v = int(i) == changed ? *next : published;
        auto& view = views[i];
        // An alert_only member's checks never move answers, so no policy acts on them either.
        bool alert_only = pool.members[i].alert_only;
        view.published = alert_only ? state::MemberState::Up : published.state;
        view.state = alert_only ? state::MemberState::Up : v.state;
        view.down_since_ms = v.last_change_ms;
        view.admin = adminOf(pool, i);  // as it is about to be published, with the holds
        view.hold = v.hold;
        view.in_maintenance = policy::inMaintenance(config, pool, pool.members[i], now);
    }
    std::vector<state::PolicyHold> holds(pool.members.size());
    auto events = policy::decideHolds(pool, views, state_.policy, now, holds, starting_);
    for (uint32_t i = 0; i < pool.members.size(); ++i) {
        if (int(i) == changed) {
            next->admin = views[i].admin;
            next->hold = holds[i];
            continue;
        }
        state::SlotView was = run.setAdminAndHold(pool.first_slot + i, views[i].admin, holds[i]);
        if (was.admin != views[i].admin) {
            logAdminChange(pool, i, was.admin);
        }
        if (was.hold != holds[i]) {
            watchAnswers(pool);
            PHAROS_LOG(Info, describe(pool, i)
                                 << ": policy hold "
                                 << (holds[i] == state::PolicyHold::None ? "cleared"
                                                                         : toString(holds[i])));
        }
    }
    for (const auto& e : events) {
        PHAROS_LOG(Warning,
                   "pool " << pool.name << ": " << e.what << " " << e.member << ": " << e.detail);
        notifier_->publish({"policy:" + e.what, pool.name, e.member, "", "", "", e.detail, now});
    }
    if (!events.empty()) {  // every change to the records comes with an event
        saveState(config.settings, "DR policy records changed");
    }
}

json Prober::failover(const json& request, const sys::PeerCredentials& peer) {
    std::string pool_name = request.value("pool", "");
    std::string member = request.value("member", "");
    int p = run_->config().poolIndex(pool_name);
    if (p < 0) {
        return failure("no pool " + pool_name + " in the running configuration");
    }
    const conf::Pool& pool = run_->config().pools[size_t(p)];
    admin::AdminState next = state_;
    json moved;
    std::string said;
    if (member.empty()) {
        auto approved = next.policy.approve(pool.name, who(request, peer));
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
        auto targets = resolve(pool_name, member);
        if (auto* error = std::get_if<std::string>(&targets)) {
            return failure(*error);
        }
        const auto& found = std::get<std::vector<Target>>(targets);
        if (found.size() > 1) {
            return failure("more than one member of " + pool.name + " is named " + member +
                           "; name it by its address");
        }
        const Target t = found.front();
        state::SlotView v = run_->table().read(pool.first_slot + t.member);
        state::MemberState state =
            pool.members[t.member].alert_only ? state::MemberState::Up : v.state;
        if (!state::answerable(state, adminOf(pool, t.member), state::PolicyHold::None) ||
            pool.members[t.member].weight == 0 ||
            policy::inMaintenance(run_->config(), pool, pool.members[t.member],
                                  base::realtimeMs())) {
            return failure(describe(pool, t.member) +
                           " cannot be answered (down, drained, forced down, in maintenance or "
                           "weight 0); answers cannot move there");
        }
        next.policy.approve(pool.name, who(request, peer));  // superseded: answers go there
        const auto& m = pool.members[t.member];
        next.policy.setHolder({pool.name, m.name, conf::memberTarget(m), true, base::realtimeMs(),
                               who(request, peer), request.value("reason", "")});
        moved = describe(pool, t.member);
        said = "answers moved to " + describe(pool, t.member) + " until pharosctl failback";
    }
    std::string error;
    if (!commit(std::move(next), error)) {
        return failure(error);
    }
    PHAROS_LOG(Warning, "pool " << pool.name << ": " << said << " by " << who(request, peer)
                                << reasonText(request));
    std::string to;
    for (const auto& m : moved.is_array() ? moved : json::array({moved})) {
        to += (to.empty() ? "" : ", ") + m.get<std::string>();
    }
    notifier_->publish({"operator-failover", pool.name, member, "", "", to,
                        said + " by " + who(request, peer) + reasonText(request),
                        base::realtimeMs()});
    return {{"ok", true}, {"action", "failover"}, {"pool", pool.name}, {"members", moved}};
}

json Prober::failback(const json& request, const sys::PeerCredentials& peer) {
    std::string pool_name = request.value("pool", "");
    if (run_->config().poolIndex(pool_name) < 0) {
        return failure("no pool " + pool_name + " in the running configuration");
    }
    admin::AdminState next = state_;
    const admin::Holder* h = next.policy.holder(pool_name);
    if (!h) {
        return failure("the answers of pool " + pool_name + " are not held on any member");
    }
    std::string was = h->member + " " + h->address;
    next.policy.clearHolder(pool_name);
    std::string error;
    if (!commit(std::move(next), error)) {
        return failure(error);
    }
    PHAROS_LOG(Warning, "pool " << pool_name << ": failback by " << who(request, peer)
                                << reasonText(request) << "; answers held on " << was
                                << " follow the normal rules again");
    notifier_->publish({"operator-failback", pool_name, "", "", was, "",
                        "failback by " + who(request, peer) + reasonText(request),
                        base::realtimeMs()});
    return {{"ok", true}, {"action", "failback"}, {"pool", pool_name}, {"members", {was}}};
}

}  // namespace pharos::health
