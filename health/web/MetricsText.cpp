#include "health/web/MetricsText.hpp"

#include <signal.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <map>

#include "health/web/PrometheusWriter.hpp"
#include "lb/Chain.hpp"
#include "state/HealthTableWriter.hpp"
#include "state/TableVerdicts.hpp"

namespace pharos::web {
namespace {

Labels memberLabels(const conf::Pool& pool, const conf::Member& m) {
    return {{"pool", pool.name}, {"member", m.name}, {"address", conf::memberTarget(m)}};
}

std::string bound(double seconds) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", seconds);
    return buf;
}

void tableMetrics(const MetricsInputs& in, PrometheusWriter& w) {
    state::TableVerdicts gate(in.table, in.now_ms, in.heartbeat);
    const auto* h = in.table.header();
    w.family("pharos_health_table_ready", "gauge", "1 when every member has had a verdict");
    w.sample("pharos_health_table_ready", {}, h && h->ready.load() ? 1 : 0);
    w.family("pharos_health_table_heartbeat_age_seconds", "gauge",
             "Seconds since the prober's last heartbeat in the table");
    w.sample("pharos_health_table_heartbeat_age_seconds", {},
             h ? double(in.now_ms - h->heartbeat_ms.load()) / 1000 : -1.0);
    w.family("pharos_health_table_verdicts_used", "gauge",
             "1 when the backend answers from the verdicts, 0 when it fails open");
    w.sample("pharos_health_table_verdicts_used", {}, gate.trusted(in.config) ? 1 : 0);
}

// The DR policies: members a policy holds in or out of the answers, pools held on a member,
// failovers awaiting an operator's approval (the one to alert on).
void policyMetrics(const MetricsInputs& in, PrometheusWriter& w) {
    w.family("pharos_member_policy_hold", "gauge",
             "1 for each member a DR policy keeps in or out of the answers, labelled with the "
             "hold (failover-after, awaiting-approval, held-off, maintenance)");
    for (const auto& pool : in.config.pools) {
        for (size_t i = 0; i < pool.members.size(); ++i) {
            state::SlotView v;
            if (in.table.readSlot(pool.first_slot + uint32_t(i), v) &&
                v.hold != state::PolicyHold::None) {
                w.sample("pharos_member_policy_hold",
                         memberLabels(pool, pool.members[i]).add("hold", state::toString(v.hold)),
                         1);
            }
        }
    }
    w.family("pharos_pool_failover_pending_approval", "gauge",
             "Members down and kept in the answers until pharosctl failover, per pool");
    std::map<std::string, int> pending;
    for (const auto& a : in.policy.approvals) {
        pending[a.pool] += !a.approved;
    }
    for (const auto& [pool, n] : pending) {
        w.sample("pharos_pool_failover_pending_approval", {{"pool", pool}}, n);
    }
    w.family("pharos_pool_held", "gauge",
             "1 for each pool whose answers stay on a member until pharosctl failback");
    for (const auto& h : in.policy.holders) {
        w.sample("pharos_pool_held",
                 {{"pool", h.pool}, {"member", h.member}, {"address", h.address}}, 1);
    }
}

void memberMetrics(const MetricsInputs& in, PrometheusWriter& w) {
    w.family("pharos_member_up", "gauge", "The probes' verdict: 1 up, 0 down or not yet probed");
    for (const auto& pool : in.config.pools) {
        for (size_t i = 0; i < pool.members.size(); ++i) {
            state::SlotView v;
            bool up = in.table.readSlot(pool.first_slot + uint32_t(i), v) &&
                      v.state == state::MemberState::Up;
            w.sample("pharos_member_up", memberLabels(pool, pool.members[i]), up ? 1 : 0);
        }
    }
    w.family("pharos_member_answerable", "gauge",
             "1 when answers may name the member: the verdict the backend decides with (any DR "
             "policy hold and admin override applied; every member while it fails open)");
    // Through the backend's own chain and table-trust gate, so this says what it answers.
    state::TableVerdicts verdicts(in.table, in.now_ms, in.heartbeat);
    lb::Chain chain(in.config, verdicts);
    for (size_t p = 0; p < in.config.pools.size(); ++p) {
        const auto& pool = in.config.pools[p];
        bool trusted = true;
        auto health = chain.verdicts(p, trusted);
        for (size_t i = 0; i < pool.members.size(); ++i) {
            w.sample("pharos_member_answerable", memberLabels(pool, pool.members[i]),
                     health[i] == lb::Health::Up ? 1 : 0);
        }
    }
    w.family("pharos_member_admin_override", "gauge",
             "1 for each member an operator drained or forced, labelled with the action");
    for (const auto& o : in.overrides.all()) {
        w.sample("pharos_member_admin_override",
                 {{"pool", o.pool},
                  {"member", o.member},
                  {"address", o.address},
                  {"action", state::toString(o.action)}},
                 1);
    }
    policyMetrics(in, w);
    w.family("pharos_member_transitions_total", "counter",
             "Up/down changes of each member since pharos-health started");
    for (const auto& pool : in.config.pools) {
        for (const auto& m : pool.members) {
            auto it = in.probes.transitions.find(state::memberKey(pool.name, m));
            w.sample("pharos_member_transitions_total", memberLabels(pool, m),
                     it == in.probes.transitions.end() ? 0 : it->second);
        }
    }
}

// One histogram's samples from the prober's per-bucket counts: cumulative, then +Inf, _sum
// and _count, each with `labels` (and `le`).
template <size_t N>
void histogramSamples(PrometheusWriter& w, const std::string& name, const Labels& labels,
                      const std::array<double, N>& bounds, const health::Histogram<N>& h) {
    auto with = [&](const std::string& le) { return Labels(labels).add("le", le); };
    uint64_t cumulative = 0;
    for (size_t b = 0; b < N; ++b) {
        cumulative += h.buckets[b];
        w.sample(name + "_bucket", with(bound(bounds[b])), cumulative);
    }
    w.sample(name + "_bucket", with("+Inf"), h.count);
    w.sample(name + "_sum", labels, h.sum);
    w.sample(name + "_count", labels, h.count);
}

void probeMetrics(const MetricsInputs& in, PrometheusWriter& w) {
    w.family("pharos_probe_checks_total", "counter", "Probes run");
    w.sample("pharos_probe_checks_total", {}, in.probes.checks);
    w.family("pharos_probe_failures_total", "counter", "Failed probes, by the reason they failed");
    for (size_t r = 1; r < in.probes.failures.size(); ++r) {
        const char* reason = state::toString(state::FailureReason(r));
        if (std::string(reason) != "?") {
            w.sample("pharos_probe_failures_total", {{"reason", reason}}, in.probes.failures[r]);
        }
    }
    w.family("pharos_probe_duration_seconds", "histogram", "Probe time, connect to verdict");
    for (const auto& [pool, l] : in.probes.latency) {
        histogramSamples(w, "pharos_probe_duration_seconds", {{"pool", pool}},
                         health::ProbeCounters::kLatencyBounds, l);
    }
    w.family("pharos_prober_schedule_delay_seconds", "histogram",
             "How long after its due time each check was handed to the prober: the event "
             "loop's lag, not a member's slowness");
    histogramSamples(w, "pharos_prober_schedule_delay_seconds", {},
                     health::ProbeCounters::kScheduleDelayBounds, in.probes.schedule_delay);
}

// Whether the prober keeps up with its schedule (health/LoadWatch, docs/OPERATIONS.md): an
// overloaded prober keeps the members' verdicts instead of failing them over.
void proberLoadMetrics(const MetricsInputs& in, PrometheusWriter& w) {
    const auto& l = in.probes.load;
    auto gauge = [&w](const char* name, const char* help, auto value) {
        w.family(name, "gauge", help);
        w.sample(name, {}, value);
    };
    auto counter = [&w](const char* name, const char* help, uint64_t value) {
        w.family(name, "counter", help);
        w.sample(name, {}, value);
    };
    gauge("pharos_prober_behind_schedule",
          "1 while the prober cannot keep its own schedule: checks start late, wait for a slot "
          "or are skipped, or its event loop lags",
          l.behind ? 1 : 0);
    gauge("pharos_prober_lateness_seconds",
          "How late checks started or waited in the last second (the worst)", l.lateness_s);
    gauge("pharos_prober_loop_lag_seconds",
          "The event loop's longest lag in the last second: how long the prober could not run",
          l.loop_lag_s);
    gauge("pharos_prober_checks_in_flight", "Checks running now", l.in_flight);
    gauge("pharos_prober_checks_waiting", "Checks due and waiting for one of max_in_flight",
          l.waiting);
    gauge("pharos_prober_max_in_flight", "health.max_in_flight: checks allowed in flight at once",
          l.max_in_flight);
    gauge("pharos_prober_members_stale",
          "Members whose verdict is older than their detection bound (kept and still used)",
          l.members_stale);
    counter("pharos_prober_checks_late_total",
            "Checks started later after their due time than half their interval (0.5 s at most)",
            in.probes.checks_late);
    counter("pharos_prober_checks_skipped_total",
            "Ticks lost because the member's previous check still waited or ran",
            in.probes.checks_skipped);
    counter("pharos_prober_failures_discounted_total",
            "Timeouts not counted against a member: measured while the prober's own loop stalled",
            in.probes.failures_discounted);
}

void backendTotals(const state::BackendCounters& c, PrometheusWriter& w) {
    w.family("pharos_backend_requests_total", "counter", "Remote-backend requests by method");
    w.sample("pharos_backend_requests_total", {{"method", "lookup"}}, uint64_t(c.lookups));
    w.sample("pharos_backend_requests_total", {{"method", "initialize"}}, uint64_t(c.initialize));
    w.sample("pharos_backend_requests_total", {{"method", "getAllDomains"}},
             uint64_t(c.get_all_domains));
    w.sample("pharos_backend_requests_total", {{"method", "other"}}, uint64_t(c.other_methods));
    w.sample("pharos_backend_requests_total", {{"method", "unknown"}}, uint64_t(c.unknown_methods));
    w.family("pharos_dns_queries_total", "counter",
             "DNS queries for any name that reached pharos (pdns's repeated lookups counted once)");
    w.sample("pharos_dns_queries_total", {}, uint64_t(c.queries));
    w.family("pharos_backend_errors_total", "counter", "Requests pharos could not serve");
    w.sample("pharos_backend_errors_total", {{"kind", "malformed"}}, uint64_t(c.malformed));
    w.sample("pharos_backend_errors_total", {{"kind", "oversized"}}, uint64_t(c.oversized));
    w.sample("pharos_backend_errors_total", {{"kind", "closed_mid_request"}},
             uint64_t(c.closed_mid_request));
    w.sample("pharos_backend_errors_total", {{"kind", "over_connection_limit"}},
             uint64_t(c.refused_connections));
    w.family("pharos_backend_connections_open", "gauge", "pdns connections open now");
    w.sample("pharos_backend_connections_open", {},
             uint64_t(c.connections) - uint64_t(c.connections_closed));
    w.family("pharos_backend_fail_open_answers_total", "counter",
             "Lookups answered as if every member were up (no usable health table)");
    w.sample("pharos_backend_fail_open_answers_total", {}, uint64_t(c.fail_open_answers));
    w.family("pharos_backend_service_seconds", "histogram",
             "Backend time per request, arrival to reply handed to the socket");
    uint64_t count = 0;
    for (const auto& b : c.service_time) {
        count += b;
    }
    for (uint64_t ns : {500, 1000, 2000, 5000, 10000, 20000, 50000, 100000}) {
        w.sample("pharos_backend_service_seconds_bucket", {{"le", bound(ns / 1e9)}},
                 c.servedWithinNs(ns));
    }
    w.sample("pharos_backend_service_seconds_bucket", {{"le", "+Inf"}}, count);
    w.sample("pharos_backend_service_seconds_sum", {}, double(c.service_time_sum_ns) / 1e9);
    w.sample("pharos_backend_service_seconds_count", {}, count);
}

// Per globalname and per member, only while the backend runs the prober's configuration: the
// block is indexed by the backend's own.
void backendPerName(const MetricsInputs& in, PrometheusWriter& w) {
    const auto* h = in.backend.header();
    if (h->layout_hash != in.config.layout_hash ||
        h->globalname_count != in.config.globalnames.size()) {
        return;
    }
    const auto* names = in.backend.names();
    struct Family {
        const char* name;
        const char* help;
        state::Counter state::NameCounters::*field;
    };
    for (const Family& f :
         {Family{"pharos_globalname_queries_total", "DNS queries per globalname (any type)",
                 &state::NameCounters::queries},
          Family{"pharos_globalname_fallback_answers_total",
                 "Answers from fallback any: no member was usable", &state::NameCounters::fallback},
          Family{"pharos_globalname_refused_answers_total", "Empty answers from fallback refuse",
                 &state::NameCounters::refused},
          Family{"pharos_globalname_fail_open_answers_total",
                 "Answers given as if every member were up", &state::NameCounters::fail_open}}) {
        w.family(f.name, "counter", f.help);
        for (size_t i = 0; i < in.config.globalnames.size(); ++i) {
            w.sample(f.name, {{"globalname", in.config.globalnames[i].name}},
                     uint64_t(names[i].*f.field));
        }
    }
    w.family("pharos_member_answers_total", "counter", "DNS answers naming the member");
    for (const auto& pool : in.config.pools) {
        for (size_t i = 0; i < pool.members.size(); ++i) {
            w.sample("pharos_member_answers_total", memberLabels(pool, pool.members[i]),
                     uint64_t(in.backend.answers()[pool.first_slot + i]));
        }
    }
}

void backendMetrics(const MetricsInputs& in, PrometheusWriter& w) {
    const auto* h = in.backend.header();
    bool alive = h && (kill(h->pid, 0) == 0 || errno == EPERM);
    w.family("pharos_backend_up", "gauge",
             "1 when pharos-backend's stats block is there and "
             "its process runs");
    w.sample("pharos_backend_up", {}, alive ? 1 : 0);
    if (!h) {
        return;
    }
    w.family("pharos_backend_reloads_total", "counter", "Configuration reloads, by outcome");
    w.sample("pharos_backend_reloads_total", {{"result", "ok"}}, uint64_t(h->reloads));
    w.sample("pharos_backend_reloads_total", {{"result", "rejected"}},
             uint64_t(h->reload_failures));
    backendTotals(*in.backend.counters(), w);
    backendPerName(in, w);
}

void processMetrics(const MetricsInputs& in, PrometheusWriter& w) {
    w.family("pharos_build_info", "gauge", "pharos's version");
    w.sample("pharos_build_info", {{"version", PHAROS_VERSION}}, 1);
    w.family("process_start_time_seconds", "gauge", "Start of each pharos process, Unix time");
    w.sample("process_start_time_seconds", {{"process", "pharos-health"}},
             double(in.started_ms) / 1000);
    if (const auto* h = in.backend.header()) {
        w.sample("process_start_time_seconds", {{"process", "pharos-backend"}},
                 double(h->started_ms) / 1000);
    }
}

void webhookMetrics(const MetricsInputs& in, PrometheusWriter& w) {
    using Field = uint64_t WebhookMetrics::*;
    struct Family {
        const char* name;
        const char* type;
        const char* help;
        Field field;
    };
    static const Family families[] = {
        {"pharos_webhook_delivered_total", "counter", "Events a webhook accepted (2xx)",
         &WebhookMetrics::delivered},
        {"pharos_webhook_failed_attempts_total", "counter",
         "Attempts that failed (no connection, timeout, status other than 2xx); retried",
         &WebhookMetrics::failed_attempts},
        {"pharos_webhook_dropped_total", "counter",
         "Events given up after retry_for, or pushed out of a full queue",
         &WebhookMetrics::dropped},
        {"pharos_webhook_queued", "gauge", "Events waiting to be sent", &WebhookMetrics::queued},
    };
    for (const auto& f : families) {
        w.family(f.name, f.type, f.help);
        for (size_t i = 0; i < in.webhooks.size(); ++i) {
            const auto& hook = in.webhooks[i];
            w.sample(f.name, {{"webhook", std::to_string(i)}, {"url", hook.url}}, hook.*f.field);
        }
    }
}

void clusterMetrics(const MetricsInputs& in, PrometheusWriter& w) {
    if (!in.cluster) {
        return;
    }
    const auto& c = *in.cluster;
    Labels node{{"node", c.node}};
    w.family("pharos_cluster_store_up", "gauge",
             "1 while this node reaches the cluster's etcd; 0: it decides alone with the last "
             "shared state it knew");
    w.sample("pharos_cluster_store_up", node, c.connected ? 1 : 0);
    w.family("pharos_cluster_store_failures_total", "counter",
             "Times the link to etcd was lost or could not be made");
    w.sample("pharos_cluster_store_failures_total", node, c.failures);
    w.family("pharos_cluster_store_since_seconds", "gauge",
             "Unix time of the last change between reaching etcd and not");
    w.sample("pharos_cluster_store_since_seconds", node, double(c.since_ms) / 1000);
    w.family("pharos_cluster_live_nodes", "gauge",
             "Nodes whose health votes count here, this one included");
    w.sample("pharos_cluster_live_nodes", node, uint64_t(c.live_nodes));
}

}  // namespace

std::string metricsText(const MetricsInputs& in) {
    PrometheusWriter w;
    processMetrics(in, w);
    tableMetrics(in, w);
    memberMetrics(in, w);
    probeMetrics(in, w);
    proberLoadMetrics(in, w);
    backendMetrics(in, w);
    webhookMetrics(in, w);
    clusterMetrics(in, w);
    return w.text();
}

}  // namespace pharos::web
