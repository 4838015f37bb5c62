#pragma once
// Everything pharos-health owns, on one io_context thread: the configuration and the probe run
// built for it, the admin overrides (loaded from and saved to the admin-state file, published
// in the health table's verdict words, ended by their --until), the commands that change them,
// from the control socket or SIGHUP, and the HTTP endpoint (`http.listen`: /metrics, /status,
// the status page). The prober listens rather than the backend because it owns the state the
// page shows and its loop has room; the backend's counts reach it through shared memory.
#include <boost/asio.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "admin/AdminStateFile.hpp"
#include "cluster/ClusterLink.hpp"
#include "conf/Config.hpp"
#include "health/AnswerWatch.hpp"
#include "health/ControlServer.hpp"
#include "health/ProbeCounters.hpp"
#include "health/ProbeRun.hpp"
#include "health/web/HttpServer.hpp"
#include "notify/Notifier.hpp"
#include "state/BackendStatsReader.hpp"
#include "state/HealthTableReader.hpp"

namespace pharos::health {

class Prober {
  public:
    // Throws when the first probe run cannot be built.
    Prober(boost::asio::io_context& io, std::string config_path, conf::Config config);
    ~Prober();

    // Reloads the configuration file; keeps the running one when anything is wrong. Returns
    // {"ok", "changes"} or {"ok": false, "errors"}.
    nlohmann::json reload();
    // One control request (already authorised).
    nlohmann::json handle(const nlohmann::json& request, const sys::PeerCredentials& peer);
    void stop();

    const ProbeRun& run() const { return *run_; }
    const admin::AdminOverrides& overrides() const { return state_.overrides; }
    const admin::PolicyRecords& policyRecords() const { return state_.policy; }
    // Null when standalone.
    const cluster::ClusterLink* cluster() const { return cluster_.get(); }

  private:
    struct Target {
        const conf::Pool* pool;
        uint32_t member;
    };
    // The members a command names: every member of `pool`, or the one whose name or address
    // is `member`. A string is the error to report.
    std::variant<std::vector<Target>, std::string> resolve(const std::string& pool,
                                                           const std::string& member) const;
    nlohmann::json setOverrides(const nlohmann::json& request, const sys::PeerCredentials& peer);
    nlohmann::json clearOverrides(const nlohmann::json& request);
    nlohmann::json failover(const nlohmann::json& request, const sys::PeerCredentials& peer);
    nlohmann::json failback(const nlohmann::json& request, const sys::PeerCredentials& peer);
    static std::string who(const nlohmann::json& request, const sys::PeerCredentials& peer);
    // Saves `next` and makes it current; false (and `error`) when it could not be saved.
    bool commit(admin::AdminState next, std::string& error);
    void publishOverrides();
    // The DR policies (policy/PoolPolicy): decide the holds of one pool's members and publish
    // them. `changed`/`next`: a member whose new probe state is about to be written.
    void applyPolicies(ProbeRun& run, const conf::Pool& pool, int changed = -1,
                       state::SlotView* next = nullptr);
    // Whether any policy or record governs `pool` (the others keep hold None untouched).
    bool governed(const conf::Config& config, const conf::Pool& pool) const;
    void applyAllPolicies();
    void findPolicyPools();
    void saveState(const conf::Settings& settings, const char* why);
    void setAsideUnreadable(const conf::Settings& settings);
    state::AdminOverride adminOf(const conf::Pool& pool, uint32_t member) const;
    void logAdminChange(const conf::Pool& pool, uint32_t member, state::AdminOverride was);
    void notifyStateChange(const conf::Config& config, const conf::Pool& pool, uint32_t member,
                           state::MemberState before, const state::SlotView& next);
    void scheduleExpiry();
    void startControl();
    void startHttp();
    void notifyReadyWhenTableIs(int64_t deadline_ms);
    web::Response serveHttp(const std::string& target);
    std::unique_ptr<ProbeRun> startRun(conf::Config config);
    void startCluster(const conf::Settings& settings);
    void adoptSharedState(admin::AdminState shared);
    nlohmann::json clusterJson() const;
    nlohmann::json votesJson() const;

    boost::asio::io_context& io_;
    std::string config_path_;
    int64_t started_ms_;
    ProbeCounters probe_counters_;                   // outlives runs, so counts survive reloads
    std::unique_ptr<notify::Notifier> notifier_;     // before run_: the first probes notify
    std::unique_ptr<cluster::ClusterLink> cluster_;  // before run_: its votes are read by it
    std::unique_ptr<ProbeRun> run_;
    std::unique_ptr<AnswerWatch> watch_;  // for run_'s configuration
    std::vector<uint32_t> watch_dirty_;   // pools whose answer may have moved
    void watchAnswers(const conf::Pool& pool);
    void startWatch();
    admin::AdminState state_;
    admin::AdminState shared_;  // state_ as last shared with the cluster (sent or adopted)
    void shareState();
    std::vector<uint32_t> policy_pools_;  // pools with a policy or a record: the ones to decide
    std::vector<bool> policy_pool_;       // the same, by pool index
    bool save_pending_ = false;           // a save of the records is posted
    bool starting_ = false;               // the first decision after the start
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    std::string broken_state_;  // why the admin-state file could not be read at start, if so
    boost::asio::steady_timer expiry_;
    boost::asio::steady_timer readiness_;
    std::unique_ptr<ControlServer> control_;
    std::unique_ptr<web::HttpServer> http_;
};

}  // namespace pharos::health
