#include "health/StatusPages.hpp"

#include "base/Clock.hpp"
#include "health/ClusterReport.hpp"
#include "health/LoadReport.hpp"
#include "health/web/MetricsText.hpp"
#include "health/web/StatusPage.hpp"
#include "state/BackendStatsReader.hpp"
#include "state/HealthTableReader.hpp"
#include "status/StatusDocument.hpp"

namespace pharos::health {

StatusPages::StatusPages(const ProbeCounters& counters, const AdminStateKeeper& keeper,
                         const EventReporter& events, const cluster::ClusterLink* cluster,
                         int64_t started_ms)
    : counters_(counters),
      keeper_(keeper),
      events_(events),
      cluster_(cluster),
      started_ms_(started_ms) {}

web::Response StatusPages::serve(const conf::Config& config, const std::string& target) const {
    std::string path = target.substr(0, target.find('?'));
    int64_t now = base::realtimeMs();
    const admin::AdminState& admin = keeper_.state();
    state::HealthTableReader table(config.settings.health_table);
    table.refresh();
    if (path == "/metrics") {
        state::BackendStatsReader backend(state::statsBlockName(config.settings));
        backend.refresh();
        web::MetricsInputs in{config,       table,   counters_, admin.overrides,
                              admin.policy, backend, now,       started_ms_};
        in.heartbeat = &heartbeat_;
        for (const auto& q : events_.notifier().queues()) {
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
        status::StatusInputs in{config, table, admin.overrides, admin.policy, keeper_.unreadable(),
                                now};
        in.cluster = clusterJson(cluster_);
        in.prober = loadJson(counters_);
        in.heartbeat = &heartbeat_;
        in.votes = cluster_ ? &cluster_->votes() : nullptr;
        return {200, "application/json", status::statusDocument(in).dump(2)};
    }
    if (path == "/" || path == "/index.html") {
        return {200, "text/html; charset=utf-8", std::string(web::statusPageHtml())};
    }
    return {404, "text/plain; charset=utf-8", "not found: try /, /status or /metrics\n"};
}

}  // namespace pharos::health
