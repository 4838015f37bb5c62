// /metrics as a realistic deployment serves it, built from a real health table, the backend's
// stats block, probe counts, overrides, DR-policy records, webhooks and a cluster link, then
// checked by Prometheus's own `promtool check metrics`: no error and no lint warning.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <string>

#include "conf/ConfigLoader.hpp"
#include "health/web/MetricsText.hpp"
#include "health/web/PrometheusWriter.hpp"
#include "state/BackendStats.hpp"
#include "state/HealthTableWriter.hpp"

using namespace pharos;

namespace {

const char* kLb = R"(
pools:
  api:
    monitor: http
    monitor_params: {port: 8443, use_ssl: true, url_path: /health, expected_codes: [200, 204]}
    lb_method: fogroup
    failover_after: 5m
    failover: manual
    failback: manual
    fallback: pool:dr
    members:
    - {ip: 10.1.0.5, name: api1, weight: 1}
    - {ip: 10.2.0.5, name: api2, weight: 1}
  dr:
    monitor: tcp
    monitor_params: {port: 5432}
    lb_method: wrr
    members:
    - {ip: 10.3.0.5, name: "dr \"east\"", weight: 2}
    - {ip: 2001:db8::5, name: dr-v6, weight: 1}
  geo:
    monitor: dns
    monitor_params: {query_name: probe.example., expected_answer: 192.0.2.1}
    lb_method: twrr
    members:
    - {ip: 10.1.0.7, name: geo-east, weight: 1}
    - {ip: 10.2.0.7, name: geo-west, weight: 1}
  edge:
    monitor: forced
    lb_method: fogroup
    members:
    - {cname: edge.cdn.example.net, name: cdn, weight: 1}
    - {ip: 192.0.2.9, name: origin, weight: 1, alert_only: true}
globalnames:
  api.example.com.: {pool: api, ttl: 5}
  db.example.com.: {pool: dr, ttl: 5}
  geo.example.com.: {pool: geo, ttl: 1}
  www.example.com.: {pool: edge, ttl: 30}
maintenance:
- {pool: geo, member: geo-west, start: '2020-01-01T00:00:00Z', end: '2099-01-01T00:00:00Z'}
)";

const char* kTopology = R"(
east: [10.1.0.0/16]
west: [10.2.0.0/16]
)";

struct Cleanup {
    std::string name;
    ~Cleanup() {
        state::unlinkSharedMemory(name);
        state::unlinkSharedMemory(name + "-backend");
    }
};

struct CommandResult {
    int status = -1;
    std::string output;
};

CommandResult run(const std::string& command) {
    CommandResult r;
    FILE* pipe = popen((command + " 2>&1").c_str(), "r");
    if (!pipe) {
        return r;
    }
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) {
        r.output.append(buf, n);
    }
    int status = pclose(pipe);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

// promtool's verdict on `text`, or nothing when promtool is not installed (Debian package
// `prometheus`; scripts/setup.sh installs it).
std::optional<CommandResult> promtoolCheck(const std::string& text) {
    if (run("command -v promtool").status != 0) {
        return std::nullopt;
    }
    std::string path = "/tmp/pharos-metrics-" + std::to_string(getpid()) + ".txt";
    std::ofstream(path) << text;
    auto result = run("promtool check metrics < " + path);
    std::remove(path.c_str());
    return result;
}

void skipped() {
    std::fprintf(stderr, "SKIPPED: promtool is not installed (Debian package prometheus)\n");
    WARN("SKIPPED: promtool is not installed (Debian package prometheus)");
}

conf::Config loadConfig(const std::string& table) {
    auto loaded = conf::loadLbText(kLb, kTopology);
    if (auto* errors = std::get_if<std::vector<conf::ConfigError>>(&loaded)) {
        for (const auto& e : *errors) {
            UNSCOPED_INFO(e.str());
        }
    }
    REQUIRE(std::holds_alternative<conf::Config>(loaded));
    auto config = std::get<conf::Config>(std::move(loaded));
    config.settings.health_table = table;
    config.settings.table_group = "";
    return config;
}

state::SlotView slot(state::MemberState s, state::AdminOverride a = state::AdminOverride::None,
                     state::PolicyHold h = state::PolicyHold::None,
                     state::FailureReason reason = state::FailureReason::None) {
    state::SlotView v;
    v.state = s;
    v.admin = a;
    v.hold = h;
    v.reason = reason;
    return v;
}

// Every kind of sample /metrics has: verdicts, overrides, holds, probe counts and latencies,
// the backend's counters per method, name and member, webhooks and the cluster link.
std::string realisticMetrics(const std::string& table_name, int64_t now) {
    using state::MemberState;
    auto config = loadConfig(table_name);
    const auto& api = config.pools[size_t(config.poolIndex("api"))];
    const auto& geo = config.pools[size_t(config.poolIndex("geo"))];
    const auto& dr = config.pools[size_t(config.poolIndex("dr"))];
    state::HealthTableWriter table(config, now - 60'000);
    for (uint32_t s = 0; s < config.slot_count; ++s) {
        table.write(s, slot(MemberState::Up));
    }
    table.write(api.first_slot,
                slot(MemberState::Down, state::AdminOverride::None,
                     state::PolicyHold::AwaitingApproval, state::FailureReason::ConnectRefused));
    table.write(api.first_slot + 1, slot(MemberState::Up, state::AdminOverride::ForcedUp));
    table.write(dr.first_slot, slot(MemberState::Up, state::AdminOverride::Drain));
    table.write(geo.first_slot + 1,
                slot(MemberState::Up, state::AdminOverride::None, state::PolicyHold::Maintenance));
    table.heartbeat(now);
    table.markReady();

    admin::AdminOverrides overrides;
    overrides.set({"api", "api2", "10.2.0.5", state::AdminOverride::ForcedUp, "drill", "alice",
                   now - 1000, 0});
    overrides.set({"dr", "dr \"east\"", "10.3.0.5", state::AdminOverride::Drain, "", "bob",
                   now - 1000, now + 3'600'000});
    admin::PolicyRecords policy;
    policy.addPending({"api", "api1", "10.1.0.5", now - 30'000, false, ""});
    policy.setHolder({"api", "api2", "10.2.0.5", true, now - 10'000, "alice", "drill"});

    health::ProbeCounters probes;
    probes.recordProbe("api", 0.004, true, state::FailureReason::None);
    probes.recordProbe("api", 0.4, false, state::FailureReason::ConnectRefused);
    probes.recordProbe("geo", 7.5, false, state::FailureReason::Timeout);
    probes.transitions[state::memberKey("api", api.members[0])] = 3;
    probes.recordScheduleDelay(0.0004);
    probes.recordScheduleDelay(0.0004);
    probes.recordScheduleDelay(0.7);

    state::BackendStats stats(state::statsBlockName(config.settings), "", config, now - 120'000);
    stats.publish(nullptr);
    stats.counters().lookups += 200;
    stats.counters().queries += 100;
    stats.counters().initialize += 2;
    stats.counters().connections += 3;
    stats.counters().recordServiceNs(4200);
    stats.counters().recordServiceNs(250'000);
    stats.name(0).queries += 40;
    stats.name(1).fallback += 2;
    stats.answers(api.first_slot + 1) += 40;
    state::HealthTableReader reader(table_name);
    REQUIRE(reader.refresh());
    state::BackendStatsReader backend(state::statsBlockName(config.settings));
    REQUIRE(backend.refresh());

    web::MetricsInputs in{config, reader, probes, overrides, policy, backend, now, now - 300'000};
    in.webhooks = {{"https://hooks.example.com:443/...", 12, 3, 1, 2},
                   {"http://10.9.0.1:8080/...", 0, 0, 0, 0}};
    in.cluster = web::ClusterMetrics{"node-a", true, 1, 3, now - 5000};
    return web::metricsText(in);
}

int occurrences(const std::string& text, const std::string& what) {
    int n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
        ++n;
    }
    return n;
}

}  // namespace

TEST_CASE("metrics: a realistic deployment's text, every family declared once") {
    std::string name = "/pharos-metrics-test-" + std::to_string(getpid()) + "-a";
    Cleanup cleanup{name};
    std::string text = realisticMetrics(name, 1'764'626'100'000);
    CHECK(occurrences(text, "# TYPE pharos_member_up gauge\n") == 1);
    CHECK(occurrences(text, "# TYPE pharos_probe_duration_seconds histogram\n") == 1);
    CHECK(occurrences(text, "# TYPE process_start_time_seconds gauge\n") == 1);
    // The override in the admin-state file's and pharosctl's own word; the hold as /status has it.
    CHECK_THAT(text, Catch::Contains("pharos_member_admin_override{pool=\"api\",member=\"api2\","
                                     "address=\"10.2.0.5\",action=\"force-up\"} 1\n"));
    CHECK_THAT(text, Catch::Contains("pharos_member_admin_override{pool=\"dr\","
                                     "member=\"dr \\\"east\\\"\",address=\"10.3.0.5\","
                                     "action=\"drain\"} 1\n"));
    CHECK_THAT(text, Catch::Contains("pharos_member_policy_hold{pool=\"geo\",member=\"geo-west\","
                                     "address=\"10.2.0.7\",hold=\"maintenance\"} 1\n"));
    CHECK_THAT(text,
               Catch::Contains("pharos_probe_failures_total{reason=\"connection refused\"} 1"));
    CHECK_THAT(text, Catch::Contains("pharos_member_answers_total{pool=\"api\",member=\"api2\","
                                     "address=\"10.2.0.5\"} 40\n"));
    CHECK_THAT(text, Catch::Contains("pharos_member_up{pool=\"edge\",member=\"cdn\","
                                     "address=\"edge.cdn.example.net\"} 1\n"));
    CHECK_THAT(text, Catch::Contains("process_start_time_seconds{process=\"pharos-health\"} "
                                     "1764625800\n"));
    CHECK_THAT(text, Catch::Contains("pharos_cluster_live_nodes{node=\"node-a\"} 3\n"));
}

TEST_CASE("metrics: the prober's schedule delay, cumulative by bound") {
    std::string name = "/pharos-metrics-test-" + std::to_string(getpid()) + "-c";
    Cleanup cleanup{name};
    std::string text = realisticMetrics(name, 1'764'626'100'000);
    CHECK(occurrences(text, "# TYPE pharos_prober_schedule_delay_seconds histogram\n") == 1);
    CHECK_THAT(text,
               Catch::Contains("pharos_prober_schedule_delay_seconds_bucket{le=\"0.001\"} 2\n"
                               "pharos_prober_schedule_delay_seconds_bucket{le=\"0.01\"} 2\n"));
    CHECK_THAT(text, Catch::Contains("pharos_prober_schedule_delay_seconds_bucket{le=\"0.5\"} 2\n"
                                     "pharos_prober_schedule_delay_seconds_bucket{le=\"1\"} 3\n"));
    CHECK_THAT(text, Catch::Contains("pharos_prober_schedule_delay_seconds_bucket{le=\"+Inf\"} 3\n"
                                     "pharos_prober_schedule_delay_seconds_sum 0.7008\n"
                                     "pharos_prober_schedule_delay_seconds_count 3\n"));
}

TEST_CASE("metrics: promtool check metrics finds no error and no lint problem") {
    std::string name = "/pharos-metrics-test-" + std::to_string(getpid()) + "-b";
    Cleanup cleanup{name};
    std::string text = realisticMetrics(name, 1'764'626'100'123);
    auto verdict = promtoolCheck(text);
    if (!verdict) {
        skipped();
        return;
    }
    INFO(text);
    INFO("promtool says:\n" << verdict->output);
    CHECK(verdict->status == 0);
    CHECK(verdict->output.empty());
}

TEST_CASE("metrics: promtool reads the writer's escaping as the format means it") {
    web::PrometheusWriter w;
    w.family("pharos_test_escapes", "gauge", "Help with a \\ backslash\nand a second line");
    w.sample("pharos_test_escapes", {{"value", "quote \" backslash \\ newline \n end"}}, 1);
    auto verdict = promtoolCheck(w.text());
    if (!verdict) {
        skipped();
        return;
    }
    INFO(w.text());
    INFO("promtool says:\n" << verdict->output);
    CHECK(verdict->status == 0);
    CHECK(verdict->output.empty());
    // And a broken text fails, so the checks above can.
    auto broken = promtoolCheck("pharos_x{a=\"unterminated} 1\n");
    REQUIRE(broken);
    CHECK(broken->status != 0);
}
