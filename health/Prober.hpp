#pragma once
// pharos-health's parts, wired together on one io_context thread, and the reload that replaces
// the configuration they work on: the probe run (ProbeRun) built for the configuration, the
// admin state (AdminStateKeeper), the DR policies (PolicyDriver), what operators are told
// (EventReporter), the link to the cluster's etcd, pharosctl's commands on the control socket
// (ControlCommands) and the pages on `http.listen` (StatusPages).
#include <boost/asio.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cluster/ClusterLink.hpp"
#include "conf/Config.hpp"
#include "health/AdminStateKeeper.hpp"
#include "health/ControlCommands.hpp"
#include "health/ControlServer.hpp"
#include "health/EventReporter.hpp"
#include "health/PolicyDriver.hpp"
#include "health/ProbeCounters.hpp"
#include "health/ProbeRun.hpp"
#include "health/StatusPages.hpp"
#include "health/web/HttpServer.hpp"

namespace pharos::health {

class Prober {
  public:
    // Throws when the first probe run cannot be built.
    Prober(boost::asio::io_context& io, std::string config_path, conf::Config config);
    ~Prober();

    // Reloads the configuration file; keeps the running one when anything is wrong. Returns
    // {"ok", "changes"} or {"ok": false, "errors"}.
    nlohmann::json reload();
    void stop();

    const ProbeRun& run() const { return *run_; }
    const admin::AdminState& adminState() const { return keeper_->state(); }
    // Null when standalone.
    const cluster::ClusterLink* cluster() const { return cluster_.get(); }

  private:
    std::unique_ptr<ProbeRun> startRun(conf::Config config);
    void startCluster(const conf::Settings& settings);
    void startControl(const conf::Settings& settings);
    void makeStateDirectory(const std::string& admin_state);
    void startHttp();
    void scheduleTick();
    void notifyReadyWhenTableIs(int64_t deadline_ms);

    boost::asio::io_context& io_;
    std::string config_path_;
    int64_t started_ms_;
    ProbeCounters probe_counters_;           // outlives runs, so counts survive reloads
    std::unique_ptr<EventReporter> events_;  // before run_: the first probes notify
    std::unique_ptr<AdminStateKeeper> keeper_;
    std::unique_ptr<PolicyDriver> policies_;
    std::unique_ptr<cluster::ClusterLink> cluster_;  // before run_: its votes are read by it
    std::unique_ptr<ProbeRun> run_;
    std::unique_ptr<ControlCommands> commands_;
    std::unique_ptr<StatusPages> pages_;
    boost::asio::steady_timer tick_;
    boost::asio::steady_timer readiness_;
    std::unique_ptr<ControlServer> control_;
    std::unique_ptr<web::HttpServer> http_;
};

}  // namespace pharos::health
