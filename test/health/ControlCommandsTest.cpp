// The control commands' table, with real parts around it: a probe run of forced members
// publishing into a real health table, the admin-state keeper saving to a real file, the DR
// policies and the event reporter (no webhooks). Every command name reaches its handler;
// unknown commands and bad arguments get the texts pharosctl has always printed.
#include <unistd.h>

#include <boost/asio.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "base/Clock.hpp"
#include "health/AdminStateKeeper.hpp"
#include "health/ControlCommands.hpp"
#include "health/EventReporter.hpp"
#include "health/PolicyDriver.hpp"
#include "health/ProbeRun.hpp"
#include "state/SharedMemory.hpp"

using namespace pharos;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

conf::Member member(const std::string& name, const std::string& ip) {
    conf::Member m;
    m.name = name;
    m.ip = *base::IpAddress::parse(ip);
    m.monitor_ip = m.ip;
    m.weight = 1;
    return m;
}

conf::Pool forcedPool(const std::string& name, conf::LbMethod method) {
    conf::Pool p;
    p.name = name;
    p.monitor = conf::MonitorKind::Forced;
    p.params.edit().forced_up = true;
    p.lb_method = method;
    return p;
}

// "spread" (wrr) and "web" (fogroup: a, b, c and two members named twin), all forced up.
conf::Config commandConfig(const std::string& table, const std::string& admin_state) {
    conf::Config c;
    c.settings.health_table = table;
    c.settings.table_group = "";
    c.settings.control_group = "";
    c.settings.admin_state = admin_state;
    conf::Pool spread = forcedPool("spread", conf::LbMethod::Wrr);
    spread.members = {member("x", "10.1.0.1"), member("y", "10.1.0.2")};
    conf::Pool web = forcedPool("web", conf::LbMethod::FoGroup);
    web.members = {member("a", "10.0.0.1"), member("b", "10.0.0.2"), member("c", "10.0.0.3"),
                   member("twin", "10.0.0.4"), member("twin", "10.0.0.5")};
    c.pools = {spread, web};
    conf::finalizeLayout(c);
    return c;
}

struct Commands {
    fs::path dir = fs::temp_directory_path() / ("pharos-commands-" + std::to_string(getpid()));
    std::string table = "/pharos-commands-test-" + std::to_string(getpid());
    boost::asio::io_context io;
    std::unique_ptr<health::ProbeRun> run;
    std::unique_ptr<health::EventReporter> events;
    std::unique_ptr<health::AdminStateKeeper> keeper;
    std::unique_ptr<health::PolicyDriver> policies;
    std::unique_ptr<health::ControlCommands> commands;
    health::ProbeCounters counters;
    int reloads = 0;
    sys::PeerCredentials alice{1, 1000, 1000, "alice"};

    // `admin_state`: where the keeper saves, in the test's directory.
    explicit Commands(const std::string& admin_state = "admin-state.json") {
        fs::create_directories(dir);
        conf::Config config = commandConfig(table, (dir / admin_state).string());
        events = std::make_unique<health::EventReporter>(io, config.settings);
        keeper = std::make_unique<health::AdminStateKeeper>(io, config.settings, *events);
        policies = std::make_unique<health::PolicyDriver>(*keeper, *events, false);
        run = std::make_unique<health::ProbeRun>(io, std::move(config));
        run->start();  // forced members: every verdict at once
        keeper->onReplaced([this] {
            policies->findPolicyPools(*run);
            policies->publishAll(*run);
        });
        events->watch(*run);
        policies->findPolicyPools(*run);
        policies->publishAll(*run);
        commands =
            std::make_unique<health::ControlCommands>(*keeper, *events, nullptr, counters, [this] {
                ++reloads;
                return json{{"ok", true}, {"changes", json::array({"reloaded"})}};
            });
    }
    ~Commands() {
        run->stop();
        state::unlinkSharedMemory(table);
        fs::remove_all(dir);
    }

    json send(json request, const sys::PeerCredentials& peer) {
        json reply = commands->handle(*run, request, peer);
        io.poll();  // the saves and events posted for the end of this turn
        return reply;
    }
    json send(json request) { return send(std::move(request), alice); }
    state::SlotView slot(const std::string& pool, uint32_t member) {
        const auto& config = run->config();
        return run->table().read(config.pools[size_t(config.poolIndex(pool))].first_slot + member);
    }
    std::string error(json request) {
        json reply = send(std::move(request));
        CHECK(reply["ok"] == false);
        return reply.value("error", "");
    }
};

}  // namespace

TEST_CASE("control commands: the table has every command pharosctl sends") {
    CHECK(health::ControlCommands::names() == std::vector<std::string>{"clear", "cluster",
                                                                       "failback", "failover",
                                                                       "prober", "reload", "set"});
}

TEST_CASE("control commands: each name reaches its own handler") {
    Commands c;
    // set: an override, published in the verdict word and saved.
    json set = c.send({{"command", "set"},
                       {"action", "drain"},
                       {"pool", "web"},
                       {"member", "a"},
                       {"reason", "patching"}});
    CHECK(set == json{{"ok", true}, {"action", "drain"}, {"members", {"web/a 10.0.0.1"}}});
    CHECK(c.slot("web", 0).admin == state::AdminOverride::Drain);
    REQUIRE(c.keeper->state().overrides.all().size() == 1);
    CHECK(c.keeper->state().overrides.all()[0].by == "alice");
    auto saved = admin::loadAdminState((c.dir / "admin-state.json").string());
    REQUIRE(std::holds_alternative<admin::AdminState>(saved));
    CHECK(std::get<admin::AdminState>(saved) == c.keeper->state());

    // clear: the override goes.
    json clear = c.send({{"command", "clear"}, {"pool", "web"}, {"member", "10.0.0.1"}});
    CHECK(clear == json{{"ok", true}, {"action", "clear"}, {"members", {"web/a 10.0.0.1"}}});
    CHECK(c.slot("web", 0).admin == state::AdminOverride::None);
    CHECK(c.keeper->state().overrides.all().empty());

    // failover: answers held on b; the others held off.
    json failover = c.send({{"command", "failover"}, {"pool", "web"}, {"member", "b"}});
    CHECK(
        failover ==
        json{{"ok", true}, {"action", "failover"}, {"pool", "web"}, {"members", "web/b 10.0.0.2"}});
    const admin::Holder* holder = c.keeper->state().policy.holder("web");
    REQUIRE(holder);
    CHECK(holder->address == "10.0.0.2");
    CHECK(holder->directed);
    CHECK(c.slot("web", 0).hold == state::PolicyHold::HeldOff);
    CHECK(c.slot("web", 1).hold == state::PolicyHold::None);

    // failback: the holder goes, and with it the holds.
    json failback = c.send({{"command", "failback"}, {"pool", "web"}});
    CHECK(failback ==
          json{{"ok", true}, {"action", "failback"}, {"pool", "web"}, {"members", {"b 10.0.0.2"}}});
    CHECK_FALSE(c.keeper->state().policy.holder("web"));
    CHECK(c.slot("web", 0).hold == state::PolicyHold::None);

    // reload: the prober's reload, its reply as it is.
    json reload = c.send({{"command", "reload"}});
    CHECK(c.reloads == 1);
    CHECK(reload == json{{"ok", true}, {"changes", {"reloaded"}}});

    // cluster: standalone, no cluster and no votes.
    json cluster = c.send({{"command", "cluster"}});
    CHECK(cluster == json{{"ok", true}, {"cluster", nullptr}, {"votes", json::object()}});

    // prober: the load the run last reviewed, read-only.
    c.counters.load.behind = true;
    c.counters.load.lateness_s = 2.5;
    c.counters.checks_skipped = 7;
    json prober = c.send({{"command", "prober"}});
    CHECK(prober["ok"] == true);
    CHECK(prober["prober"]["behind"] == true);
    CHECK(prober["prober"]["late_seconds"] == 2.5);
    CHECK(prober["prober"]["checks_skipped"] == 7);
    CHECK(prober["prober"].contains("behind_since_ms"));
}

TEST_CASE("control commands: a whole pool, and who ran the command") {
    Commands c;
    sys::PeerCredentials root{1, 0, 0, "root"};
    json set = c.send(
        {{"command", "set"}, {"action", "force-down"}, {"pool", "spread"}, {"sudo_user", "bob"}},
        root);
    CHECK(set == json{{"ok", true},
                      {"action", "force-down"},
                      {"members", {"spread/x 10.1.0.1", "spread/y 10.1.0.2"}}});
    CHECK(c.slot("spread", 1).admin == state::AdminOverride::ForcedDown);
    CHECK(c.keeper->state().overrides.all()[0].by == "root (sudo from bob)");
    // sudo_user counts only for root.
    c.send({{"command", "set"}, {"action", "drain"}, {"pool", "web"}, {"sudo_user", "bob"}});
    CHECK(c.keeper->state().overrides.find("web", "10.0.0.1")->by == "alice");
    // Clearing members with no override changes nothing and says so.
    c.send({{"command", "clear"}, {"pool", "web"}});
    CHECK(c.send({{"command", "clear"}, {"pool", "web"}}) ==
          json{{"ok", true}, {"action", "clear"}, {"members", json::array()}});
}

TEST_CASE("control commands: unknown commands and bad arguments are refused as before") {
    Commands c;
    CHECK(c.error({{"command", "drain"}}) == "unknown command drain");
    CHECK(c.error({{"command", ""}}) == "unknown command ");
    CHECK(c.error({{"command", "set"}, {"action", "nap"}, {"pool", "web"}}) ==
          "action must be drain, force-up or force-down");
    CHECK(c.error({{"command", "set"}, {"pool", "web"}}) ==
          "action must be drain, force-up or force-down");
    CHECK(c.error({{"command", "set"},
                   {"action", "drain"},
                   {"pool", "web"},
                   {"until_ms", base::realtimeMs() - 1000}}) == "--until is not in the future");
    CHECK(c.error({{"command", "set"}, {"action", "drain"}, {"pool", "nope"}}) ==
          "no pool nope in the running configuration");
    CHECK(c.error({{"command", "set"}, {"action", "drain"}, {"pool", "web"}, {"member", "zz"}}) ==
          "pool web has no member named or at zz");
    CHECK(c.error({{"command", "clear"}, {"pool", "web"}, {"member", "zz"}}) ==
          "pool web has no member named or at zz");
    CHECK(c.error({{"command", "clear"}, {"pool", "nope"}}) ==
          "no pool nope in the running configuration");

    CHECK(c.error({{"command", "failover"}, {"pool", "nope"}}) ==
          "no pool nope in the running configuration");
    CHECK(c.error({{"command", "failover"}, {"pool", "web"}}) ==
          "nothing in pool web awaits approval; name the member to move the answers to");
    CHECK(c.error({{"command", "failover"}, {"pool", "spread"}, {"member", "x"}}) ==
          "pool spread is wrr; only fogroup pools have one member to move the answers to");
    CHECK(c.error({{"command", "failover"}, {"pool", "web"}, {"member", "zz"}}) ==
          "pool web has no member named or at zz");
    CHECK(c.error({{"command", "failover"}, {"pool", "web"}, {"member", "twin"}}) ==
          "more than one member of web is named twin; name it by its address");
    c.send({{"command", "set"}, {"action", "drain"}, {"pool", "web"}, {"member", "c"}});
    CHECK(c.error({{"command", "failover"}, {"pool", "web"}, {"member", "c"}}) ==
          "web/c 10.0.0.3 cannot be answered (down, drained, forced down, in maintenance or "
          "weight 0); answers cannot move there");

    CHECK(c.error({{"command", "failback"}, {"pool", "nope"}}) ==
          "no pool nope in the running configuration");
    CHECK(c.error({{"command", "failback"}, {"pool", "web"}}) ==
          "the answers of pool web are not held on any member");
    CHECK(c.reloads == 0);
}

TEST_CASE("control commands: a change that cannot be saved is refused and not taken") {
    Commands c("missing/admin-state.json");  // a directory that does not exist
    std::string error =
        c.error({{"command", "set"}, {"action", "drain"}, {"pool", "web"}, {"member", "a"}});
    CHECK(error.find("missing/admin-state.json") != std::string::npos);
    CHECK(error.size() > std::string("; nothing was changed").size());
    CHECK(error.substr(error.size() - std::string("; nothing was changed").size()) ==
          "; nothing was changed");
    CHECK(c.keeper->state().overrides.all().empty());
    CHECK(c.slot("web", 0).admin == state::AdminOverride::None);
    CHECK(c.error({{"command", "failover"}, {"pool", "web"}, {"member", "b"}})
              .find("; nothing was changed") != std::string::npos);
    CHECK_FALSE(c.keeper->state().policy.holder("web"));
}
