// The views of "what the backend answers" agree member by member, in every state of the table's
// trust gate: the backend's own lookups, the status document (/status, pharosctl status
// --json), /metrics' pharos_member_answerable and the prober's answer watch. Each reads the same
// shared-memory table, written here as the prober writes it. (pharosctl explain is checked
// through the real programs by test/e2e/views_test.py.)
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "backend/GslbResolver.hpp"
#include "backend/RemoteBackendProtocol.hpp"
#include "base/Clock.hpp"
#include "conf/ConfigLoader.hpp"
#include "health/AnswerWatch.hpp"
#include "health/web/MetricsText.hpp"
#include "state/HealthTableWriter.hpp"
#include "state/SharedMemory.hpp"
#include "state/TableVerdicts.hpp"
#include "status/StatusDocument.hpp"

using namespace pharos;
using Set = std::set<std::string>;
using state::AdminOverride;
using state::MemberState;
using state::PolicyHold;

namespace {

// web: wrr answering every usable member at once, so "answered" and "answerable" are the same
// set; fo: fogroup, which answers the first usable one.
constexpr const char* kLb = R"(
pools:
  web:
    monitor: forced
    lb_method: wrr
    fallback: refuse
    max_addrs_returned: 16
    members:
    - {ip: 10.0.0.1, name: up, weight: 1}
    - {ip: 10.0.0.2, name: down, weight: 1}
    - {ip: 10.0.0.3, name: drained, weight: 1}
    - {ip: 10.0.0.4, name: forced-up, weight: 1}
    - {ip: 10.0.0.5, name: forced-down, weight: 1}
    - {ip: 10.0.0.6, name: kept-in, weight: 1}
    - {ip: 10.0.0.7, name: held-off, weight: 1}
    - {ip: 10.0.0.8, name: maintenance, weight: 1}
    - {ip: 10.0.0.9, name: voted-down, weight: 1}
    - {ip: 10.0.0.10, name: watcher, weight: 1, alert_only: true}
  fo:
    monitor: forced
    lb_method: fogroup
    fallback: refuse
    members:
    - {ip: 10.0.1.1, name: first, weight: 1}
    - {ip: 10.0.1.2, name: second, weight: 1}
globalnames:
  web.views.test: {pool: web, ttl: 1}
  fo.views.test: {pool: fo, ttl: 1}
)";

const Set kEveryWeb = {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5",
                       "10.0.0.6", "10.0.0.7", "10.0.0.8", "10.0.0.9", "10.0.0.10"};
// up, forced up, kept in by failover_after, alert_only (its checks never move answers).
const Set kUsableWeb = {"10.0.0.1", "10.0.0.4", "10.0.0.6", "10.0.0.10"};

state::SlotView slot(MemberState s, AdminOverride a = AdminOverride::None,
                     PolicyHold h = PolicyHold::None,
                     state::FailureReason r = state::FailureReason::None) {
    state::SlotView v;
    v.state = s;
    v.admin = a;
    v.hold = h;
    v.reason = r;
    return v;
}

conf::Config load(const std::string& table, conf::StalePolicy on_stale) {
    auto loaded = conf::loadLbText(kLb, "");
    REQUIRE(std::holds_alternative<conf::Config>(loaded));
    auto config = std::get<conf::Config>(std::move(loaded));
    config.settings.health_table = table;
    config.settings.table_group = "";
    config.settings.on_stale = on_stale;
    return config;
}

// The table as the prober writes it: every member's verdict, then ready and the heartbeat.
void writeVerdicts(const conf::Config& config, state::HealthTableWriter& writer) {
    const auto& fo = config.pools[size_t(config.poolIndex("fo"))];
    writer.write(fo.first_slot + 0, slot(MemberState::Down));
    writer.write(fo.first_slot + 1, slot(MemberState::Up));
    const auto& web = config.pools[size_t(config.poolIndex("web"))];
    const state::SlotView slots[] = {
        slot(MemberState::Up),
        slot(MemberState::Down),
        slot(MemberState::Up, AdminOverride::Drain),
        slot(MemberState::Down, AdminOverride::ForcedUp),
        slot(MemberState::Up, AdminOverride::ForcedDown),
        slot(MemberState::Down, AdminOverride::None, PolicyHold::FailoverAfter),
        slot(MemberState::Up, AdminOverride::None, PolicyHold::HeldOff),
        slot(MemberState::Up, AdminOverride::None, PolicyHold::Maintenance),
        slot(MemberState::Down, AdminOverride::None, PolicyHold::None,
             state::FailureReason::QuorumDown),
        slot(MemberState::Down),
    };
    for (uint32_t i = 0; i < std::size(slots); ++i) {
        writer.write(web.first_slot + i, slots[i]);
    }
}

// What each view says is answered: web's members, and fo's one.
struct Views {
    Set web;
    std::string fo;
};

Views backendView(const conf::Config& config) {
    backend::GslbResolver resolver(
        config, std::make_unique<state::TableVerdicts>(config.settings.health_table));
    backend::RemoteBackendProtocol protocol(resolver);
    Views v;
    auto ask = [&](const std::string& name) {
        std::string reply;
        protocol.handle(R"({"method":"lookup","parameters":{"qtype":"ANY","qname":")" + name +
                            R"(","remote":"10.9.9.9","real-remote":"10.9.9.9/32"}})",
                        reply);
        Set got;
        auto json = nlohmann::json::parse(reply);
        for (const auto& r : json["result"]) {
            got.insert(r["content"].get<std::string>());
        }
        return got;
    };
    for (int i = 0; i < 8; ++i) {  // several lookups: any of them may draw differently
        Set web = ask("web.views.test.");
        v.web.insert(web.begin(), web.end());
        Set fo = ask("fo.views.test.");
        REQUIRE(fo.size() == 1);
        v.fo = *fo.begin();
    }
    return v;
}

Views statusView(const conf::Config& config, Set& effective_up) {
    state::HealthTableReader table(config.settings.health_table);
    table.refresh();
    admin::AdminOverrides overrides;
    admin::PolicyRecords policy;
    status::StatusInputs in{config, table, overrides, policy, "", base::realtimeMs()};
    auto doc = status::statusDocument(in);
    Views v;
    for (const auto& g : doc["globalnames"]) {
        auto answered = g["answers"]["A"].get<std::vector<std::string>>();
        if (g["name"] == "web.views.test") {
            v.web.insert(answered.begin(), answered.end());
        } else {
            REQUIRE(answered.size() == 1);
            v.fo = answered[0];
        }
    }
    for (const auto& p : doc["pools"]) {
        for (const auto& m : p["members"]) {
            if (m["effective"] == "up") {
                effective_up.insert(m["address"].get<std::string>());
            }
        }
    }
    return v;
}

// The members /metrics calls answerable, by address.
Set metricsView(const conf::Config& config) {
    state::HealthTableReader table(config.settings.health_table);
    table.refresh();
    health::ProbeCounters probes;
    admin::AdminOverrides overrides;
    admin::PolicyRecords policy;
    state::BackendStatsReader backend("/pharos-views-no-backend");
    web::MetricsInputs in{config, table, probes, overrides, policy, backend, base::realtimeMs(), 0};
    std::istringstream text(web::metricsText(in));
    std::regex answerable(R"re(^pharos_member_answerable\{.*address="([^"]+)"\} 1$)re");
    Set out;
    for (std::string line; std::getline(text, line);) {
        std::smatch m;
        if (std::regex_match(line, m, answerable)) {
            out.insert(m[1]);
        }
    }
    return out;
}

struct TableCase {
    const char* what;
    bool trusted;  // what the gate makes of it
};

}  // namespace

TEST_CASE("views: backend, status, metrics and the answer watch agree in every trust state") {
    enum class Kind { Missing, NotReady, StaleFailOpen, StaleLastKnown, OtherLayout, Ready };
    for (Kind kind : {Kind::Missing, Kind::NotReady, Kind::StaleFailOpen, Kind::StaleLastKnown,
                      Kind::OtherLayout, Kind::Ready}) {
        std::string name =
            "/pharos-views-" + std::to_string(getpid()) + "-" + std::to_string(int(kind));
        auto on_stale = kind == Kind::StaleLastKnown ? conf::StalePolicy::LastKnown
                                                     : conf::StalePolicy::FailOpen;
        conf::Config config = load(name, on_stale);
        std::unique_ptr<state::HealthTableWriter> writer;
        if (kind != Kind::Missing) {
            writer = std::make_unique<state::HealthTableWriter>(config, base::realtimeMs());
            writeVerdicts(config, *writer);
            if (kind != Kind::NotReady) {
                writer->markReady();
            }
            bool stale = kind == Kind::StaleFailOpen || kind == Kind::StaleLastKnown;
            writer->heartbeat(base::realtimeMs() - (stale ? 60000 : 0));
        }
        conf::Config seen = config;  // as the views' configuration has it
        if (kind == Kind::OtherLayout) {
            seen.layout_hash ^= 1;  // another slot layout than the table was built for
        }
        bool trusted = kind == Kind::StaleLastKnown || kind == Kind::Ready;
        INFO("table " << int(kind) << (trusted ? " (trusted)" : " (fails open)"));
        Set expected_web = trusted ? kUsableWeb : kEveryWeb;
        std::string expected_fo = trusted ? "10.0.1.2" : "10.0.1.1";
        Set expected_answerable = expected_web;
        expected_answerable.insert(expected_fo);
        if (!trusted) {
            expected_answerable.insert("10.0.1.2");
        }

        Views backend = backendView(seen);
        CHECK(backend.web == expected_web);
        CHECK(backend.fo == expected_fo);
        Set effective_up;
        Views status = statusView(seen, effective_up);
        CHECK(status.web == backend.web);
        CHECK(status.fo == backend.fo);
        CHECK(effective_up == expected_answerable);
        CHECK(metricsView(seen) == expected_answerable);
        if (writer) {
            // The prober's own view of its own table, through the same gate.
            health::AnswerWatch watch(seen, *writer);
            auto told = watch.answer(size_t(seen.poolIndex("fo")));
            if (trusted) {
                CHECK(told == std::optional<std::string>("second " + backend.fo));
            } else {
                CHECK_FALSE(told);  // the backend fails open: no failover is told
            }
        }
        writer.reset();
        state::unlinkSharedMemory(name);
    }
}

TEST_CASE("answer watch: tells the move the backend makes, not the fail-open in between") {
    std::string name = "/pharos-views-watch-" + std::to_string(getpid());
    conf::Config config = load(name, conf::StalePolicy::FailOpen);
    state::HealthTableWriter writer(config, base::realtimeMs());
    size_t fo = size_t(config.poolIndex("fo"));
    uint32_t first = config.pools[fo].first_slot;
    writer.write(first, slot(MemberState::Up));
    writer.write(first + 1, slot(MemberState::Up));
    writer.heartbeat(base::realtimeMs());
    health::AnswerWatch watch(config, writer);
    CHECK_FALSE(watch.recheck(fo));  // not ready: the backend answers every member
    writer.markReady();
    CHECK_FALSE(watch.recheck(fo));  // the baseline
    writer.write(first, slot(MemberState::Down));
    auto move = watch.recheck(fo);
    REQUIRE(move);
    CHECK(move->from == "first 10.0.1.1");
    CHECK(move->to == "second 10.0.1.2");
    writer.heartbeat(base::realtimeMs() - 60000);  // the backend fails open now
    CHECK_FALSE(watch.recheck(fo));
    writer.write(first, slot(MemberState::Up));
    writer.heartbeat(base::realtimeMs());
    CHECK_FALSE(watch.recheck(fo));  // a new baseline, not a move from the fail-open answer
    writer.write(first + 1, slot(MemberState::Up, AdminOverride::ForcedDown));
    CHECK_FALSE(watch.recheck(fo));  // first answers all along
    writer.write(first, slot(MemberState::Up, AdminOverride::Drain));
    move = watch.recheck(fo);
    REQUIRE(move);
    CHECK(move->to == "nothing usable (fallback refuse)");
    state::unlinkSharedMemory(name);
}
