#pragma once
// pharosctl's commands, as they come from the control socket (already authorised): a table of
// handlers keyed by the command's name. `set` and `clear` change the admin overrides,
// `failover` and `failback` the DR policies' records (each saved before it is taken),
// `reload` reloads the configuration, `cluster` is the read behind `pharosctl status` and
// `explain` in a cluster (the votes are not in the table) and `prober` the prober's load
// behind `pharosctl status`. Anything else is refused.
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "cluster/ClusterLink.hpp"
#include "health/AdminStateKeeper.hpp"
#include "health/EventReporter.hpp"
#include "health/ProbeCounters.hpp"
#include "health/ProbeRun.hpp"
#include "sys/PeerCredentials.hpp"

namespace pharos::health {

class ControlCommands {
  public:
    // Reloads the configuration: {"ok", "changes"} or {"ok": false, "errors"}.
    using Reload = std::function<nlohmann::json()>;
    // `cluster`: null when standalone.
    ControlCommands(AdminStateKeeper& keeper, EventReporter& events,
                    const cluster::ClusterLink* cluster, const ProbeCounters& counters,
                    Reload reload);

    // One request, {"command": NAME, ...}, against `run`, the running configuration's (which
    // `reload` replaces: it is not used after that).
    nlohmann::json handle(const ProbeRun& run, const nlohmann::json& request,
                          const sys::PeerCredentials& peer);
    // Every command name the table has.
    static std::vector<std::string> names();

  private:
    struct Request {
        const ProbeRun& run;
        const nlohmann::json& body;
        const sys::PeerCredentials& peer;
    };
    using Handler = nlohmann::json (ControlCommands::*)(const Request&);
    static const std::map<std::string, Handler>& table();

    nlohmann::json set(const Request& r);
    nlohmann::json clear(const Request& r);
    nlohmann::json failover(const Request& r);
    nlohmann::json failback(const Request& r);
    nlohmann::json reload(const Request& r);
    nlohmann::json cluster(const Request& r);
    nlohmann::json prober(const Request& r);

    struct Target {
        const conf::Pool* pool;
        uint32_t member;
    };
    // The members a command names: every member of `pool`, or the one whose name or address
    // is `member`. A string is the error to report.
    static std::variant<std::vector<Target>, std::string> resolve(const conf::Config& config,
                                                                  const std::string& pool,
                                                                  const std::string& member);
    // Saves and takes `next`; the error to reply when it could not be.
    std::optional<std::string> commit(const Request& r, admin::AdminState next);

    AdminStateKeeper& keeper_;
    EventReporter& events_;
    const cluster::ClusterLink* cluster_;
    const ProbeCounters& counters_;
    Reload reload_;
};

}  // namespace pharos::health
