#include "health/Prober.hpp"

#include <malloc.h>

#include <filesystem>

#include "admin/AdminStateFile.hpp"
#include "conf/CommandLine.hpp"
#include "conf/ConfigLoader.hpp"
#include "conf/Log.hpp"
#include "http/MetricsText.hpp"
#include "http/StatusPage.hpp"
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
    return pool.name + "/" + m.name + " " + m.ip.str();
}

}  // namespace

std::unique_ptr<ProbeRun> Prober::startRun(conf::Config config) {
    conf::applyLogLevel(config);
    auto run = std::make_unique<ProbeRun>(io_, std::move(config), &probe_counters_);
    run->start();
    // Parsing a large LB file leaves tens of MB of freed heap behind; hand it back so the
    // prober's footprint is what it uses.
    malloc_trim(0);
    return run;
}

Prober::Prober(boost::asio::io_context& io, std::string config_path, conf::Config config)
    : io_(io),
      config_path_(std::move(config_path)),
      started_ms_(realtimeMs()),
      expiry_(io),
      readiness_(io) {
    auto loaded = admin::loadAdminState(config.settings.admin_state);
    if (auto* overrides = std::get_if<admin::AdminOverrides>(&loaded)) {
        overrides_ = std::move(*overrides);
    } else {
        for (const auto& e : std::get<std::vector<conf::ConfigError>>(loaded)) {
            broken_state_ += (broken_state_.empty() ? "" : "; ") + e.str();
        }
        PHAROS_LOG(Error, "ADMIN OVERRIDES NOT LOADED: " << broken_state_
                                                         << "; probing with no overrides. The "
                                                            "file is kept until the next "
                                                            "pharosctl command replaces it.");
    }
    run_ = startRun(std::move(config));
    publishOverrides();
    startControl();
    startHttp();
    scheduleExpiry();
    notifyReadyWhenTableIs(started_ms_ + 10000);
}

// systemd's READY=1 once every member has a first verdict, or after ten seconds at the most
// (members that take that long to answer must not hold pharos's start back).
void Prober::notifyReadyWhenTableIs(int64_t deadline_ms) {
    if (run_->table().ready() || realtimeMs() >= deadline_ms) {
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
        http_ = std::make_unique<http::HttpServer>(
            io_, listen, [this](const std::string& target) { return serveHttp(target); });
        PHAROS_LOG(Info, "metrics and status on http://" << listen << "/");
    } catch (const std::exception& e) {
        PHAROS_LOG(Error, "http: " << e.what() << "; no /metrics or status page");
    }
}

http::Response Prober::serveHttp(const std::string& target) {
    const conf::Config& config = run_->config();
    std::string path = target.substr(0, target.find('?'));
    int64_t now = realtimeMs();
    HealthTableReader table(config.settings.health_table);
    table.refresh();
    if (path == "/metrics") {
        backend::BackendStatsReader backend(backend::statsBlockName(config.settings));
        backend.refresh();
        http::MetricsInputs in{config,  table, probe_counters_, overrides_,
                               backend, now,   started_ms_};
        return {200, "text/plain; version=0.0.4; charset=utf-8", http::metricsText(in)};
    }
    if (path == "/status") {
        status::StatusInputs in{config, table, overrides_, broken_state_, now};
        return {200, "application/json", status::statusDocument(in).dump(2)};
    }
    if (path == "/" || path == "/index.html") {
        return {200, "text/html; charset=utf-8", std::string(http::statusPageHtml())};
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
        auto next = startRun(std::move(config));  // takes over the verdicts
        run_->stop();
        run_ = std::move(next);
    } catch (const std::exception& e) {
        PHAROS_LOG(Error,
                   "reload failed: " << e.what() << "; still probing the previous configuration");
        return {{"ok", false}, {"errors", json::array({e.what()})}};
    }
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
        if (member.empty() || m.name == member || m.ip.str() == member) {
            out.push_back({&pool, i});
        }
    }
    if (out.empty()) {
        return "pool " + pool_name + " has no member named or at " + member;
    }
    return out;
}

json Prober::setOverrides(const json& request, const sys::PeerCredentials& peer) {
    AdminOverride action = admin::actionFromName(request.value("action", ""));
    if (action == AdminOverride::None) {
        return failure("action must be drain, force-up or force-down");
    }
    int64_t now = realtimeMs();
    int64_t until = request.value("until_ms", int64_t(0));
    if (until != 0 && until <= now) {
        return failure("--until is not in the future");
    }
    auto targets = resolve(request.value("pool", ""), request.value("member", ""));
    if (auto* error = std::get_if<std::string>(&targets)) {
        return failure(*error);
    }
    std::string by = peer.user;
    if (peer.uid == 0 && !request.value("sudo_user", "").empty()) {
        by += " (sudo from " + request.value("sudo_user", "") + ")";
    }
    admin::AdminOverrides next = overrides_;
    json members = json::array();
    for (const auto& t : std::get<std::vector<Target>>(targets)) {
        const auto& m = t.pool->members[t.member];
        next.set({t.pool->name, m.name, m.ip.str(), action, request.value("reason", ""), by, now,
                  until});
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
    admin::AdminOverrides next = overrides_;
    json members = json::array();
    for (const auto& t : std::get<std::vector<Target>>(targets)) {
        if (next.clear(t.pool->name, t.pool->members[t.member].ip.str())) {
            members.push_back(describe(*t.pool, t.member));
        }
    }
    std::string error;
    if (!members.empty() && !commit(std::move(next), error)) {
        return failure(error);
    }
    return {{"ok", true}, {"action", "clear"}, {"members", members}};
}

bool Prober::commit(admin::AdminOverrides next, std::string& error) {
    const auto& s = run_->config().settings;
    if (!broken_state_.empty()) {
        // Keep what the operator had: the unreadable file moves aside rather than vanish.
        std::error_code ignored;
        std::filesystem::rename(s.admin_state, s.admin_state + ".unreadable", ignored);
        PHAROS_LOG(Warning, "moved the unreadable " << s.admin_state << " to " << s.admin_state
                                                    << ".unreadable");
        broken_state_.clear();
    }
    try {
        admin::saveAdminState(s.admin_state, next, s.control_group);
    } catch (const std::exception& e) {
        error = std::string(e.what()) + "; nothing was changed";
        PHAROS_LOG(Error, "admin override not saved: " << error);
        return false;
    }
    overrides_ = std::move(next);
    publishOverrides();
    return true;
}

// Writes every member's override (or none) into its slot's verdict word; logs each change.
void Prober::publishOverrides() {
    for (const auto& pool : run_->config().pools) {
        for (uint32_t i = 0; i < pool.members.size(); ++i) {
            const admin::Override* o = overrides_.find(pool.name, pool.members[i].ip.str());
            AdminOverride want = o ? o->action : AdminOverride::None;
            if (run_->setAdmin(pool.first_slot + i, want)) {
                PHAROS_LOG(Info, describe(pool, i)
                                     << ": admin " << (o ? admin::actionName(want) : "cleared")
                                     << (o && !o->by.empty() ? " by " + o->by : "")
                                     << (o && !o->reason.empty() ? " (" + o->reason + ")" : ""));
            }
        }
    }
}

// Ends overrides whose --until has passed, checked five times a second so answers change
// within the promised second.
void Prober::scheduleExpiry() {
    expiry_.expires_after(std::chrono::milliseconds(200));
    expiry_.async_wait([this](const boost::system::error_code& e) {
        if (e) {
            return;
        }
        auto ended = overrides_.expire(realtimeMs());
        if (!ended.empty()) {
            const auto& s = run_->config().settings;
            try {
                admin::saveAdminState(s.admin_state, overrides_, s.control_group);
            } catch (const std::exception& failure) {
                // The override ends anyway; on a restart it would be read back already over.
                PHAROS_LOG(Error, "admin-state file not updated: " << failure.what());
            }
            publishOverrides();
        }
        scheduleExpiry();
    });
}

}  // namespace pharos::health
