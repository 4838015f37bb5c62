#include "health/Prober.hpp"

#include <malloc.h>

#include "base/Clock.hpp"
#include "base/Log.hpp"
#include "conf/CommandLine.hpp"
#include "conf/ConfigLoader.hpp"
#include "sys/RuntimeDirectory.hpp"
#include "sys/Systemd.hpp"

namespace pharos::health {

using nlohmann::json;

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
        events_->memberStateChanged(r->config(), pool, member, before, next);
        if (policies_->governed(r->config(), pool)) {
            policies_->decideOnChange(*r, pool, member, next);
        }
        events_->answersMayMove(pool);
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
      tick_(io),
      readiness_(io) {
    // Before anything is probed or published: a prober pharosctl cannot steer does not start.
    startControl(config.settings);
    makeStateDirectory(config.settings.admin_state);
    events_ = std::make_unique<EventReporter>(io_, config.settings);
    keeper_ = std::make_unique<AdminStateKeeper>(io_, config.settings, *events_);
    startCluster(config.settings);
    policies_ = std::make_unique<PolicyDriver>(*keeper_, *events_, cluster_ != nullptr);
    keeper_->shareWith(cluster_.get());
    keeper_->onReplaced([this] {
        policies_->findPolicyPools(*run_);
        policies_->publishAll(*run_);
    });
    run_ = startRun(std::move(config));
    if (cluster_) {  // verdicts carried over from the table: this node's vote from the start
        cluster_->resetOwn(run_->ownDown(), run_->table().ready(), run_->config().layout_hash);
    }
    events_->watch(*run_);
    policies_->findPolicyPools(*run_);
    policies_->publishAll(*run_, /*restore=*/true);  // may restore holders the records lost
    commands_ = std::make_unique<ControlCommands>(*keeper_, *events_, cluster_.get(),
                                                  probe_counters_, [this] { return reload(); });
    pages_ = std::make_unique<StatusPages>(probe_counters_, *keeper_, *events_, cluster_.get(),
                                           started_ms_);
    startHttp();
    scheduleTick();
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
    tick_.cancel();
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
    hooks.shared_state = [this](admin::AdminState shared) {
        if (run_) {
            keeper_->adopt(run_->config().settings, std::move(shared));
        }
    };
    hooks.local_state = [this] { return keeper_->state(); };
    hooks.votes_changed = [this] {
        if (run_) {
            run_->refreshQuorum();
        }
    };
    cluster_ = std::make_unique<cluster::ClusterLink>(io_, settings.cluster, std::move(hooks));
    cluster_->start();
}

// The commands reach run_ only once the loop runs, after the constructor: binding first is safe.
void Prober::startControl(const conf::Settings& s) {
    try {
        control_ = std::make_unique<ControlServer>(
            io_, s.control_socket, s.control_group,
            [this](const json& request, const sys::PeerCredentials& peer) {
                return commands_->handle(*run_, request, peer);
            });
    } catch (const std::exception& e) {
        throw std::runtime_error(std::string("control.socket: ") + e.what() +
                                 "; pharos-health does not start without its control path");
    }
}

// As StateDirectory= (0750) makes it: without it every override and DR step fails to save.
// Not fatal: the control path still answers, and each failed save says why.
void Prober::makeStateDirectory(const std::string& admin_state) {
    std::string dir = sys::directoryOf(admin_state);
    try {
        if (sys::ensureDirectory(dir, 0750, sys::createdDirectoriesOwner())) {
            PHAROS_LOG(Info, "created " << dir << " (mode 0750) for admin_state");
        }
    } catch (const std::exception& e) {
        PHAROS_LOG(Warning, "admin_state " << admin_state << ": " << e.what()
                                           << "; overrides cannot be saved until it exists");
    }
}

void Prober::startHttp() {
    const std::string& listen = run_->config().settings.http_listen;
    try {
        http_ = std::make_unique<web::HttpServer>(io_, listen, [this](const std::string& target) {
            return pages_->serve(run_->config(), target);
        });
        PHAROS_LOG(Info, "metrics and status on http://" << listen << "/");
    } catch (const std::exception& e) {
        PHAROS_LOG(Error, "http: " << e.what() << "; no /metrics or status page");
    }
}

// Five times a second, so answers change within the promised second: ends overrides whose
// --until has passed and decides the policies that time moves (failover_after deadlines,
// maintenance windows).
void Prober::scheduleTick() {
    tick_.expires_after(std::chrono::milliseconds(200));
    tick_.async_wait([this](const boost::system::error_code& e) {
        if (e) {
            return;
        }
        if (cluster_) {
            cluster_->ownReady(run_->table().ready());
        }
        if (keeper_->expire(run_->config().settings, base::realtimeMs())) {
            policies_->publishAll(*run_);  // the policies' holds too
        } else {
            policies_->decideAll(*run_);
        }
        scheduleTick();
    });
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
        bool webhooks_change = !events_->sameWebhooks(config.settings);
        if (webhooks_change) {
            // Throws on an unreadable ca_file while nothing has changed yet.
            events_->checkWebhooks(config.settings);
            changes.push_back("webhooks: " + std::to_string(config.settings.notify.size()));
        }
        auto next = startRun(std::move(config));  // takes over the verdicts
        if (webhooks_change) {                    // unchanged webhooks keep their queues
            events_->useWebhooks(next->config().settings);
        }
        run_->stop();
        run_ = std::move(next);
        events_->watch(*run_);
        if (cluster_) {  // members may have come or gone
            cluster_->resetOwn(run_->ownDown(), run_->table().ready(), run_->config().layout_hash);
        }
    } catch (const std::exception& e) {
        PHAROS_LOG(Error,
                   "reload failed: " << e.what() << "; still probing the previous configuration");
        return {{"ok", false}, {"errors", json::array({e.what()})}};
    }
    policies_->findPolicyPools(*run_);
    policies_->publishAll(*run_);
    for (const auto& c : changes) {
        PHAROS_LOG(Info, "reload: " << c);
    }
    PHAROS_LOG(Info, "configuration reloaded from " << config_path_);
    return {{"ok", true}, {"changes", changes}};
}

}  // namespace pharos::health
