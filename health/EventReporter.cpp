#include "health/EventReporter.hpp"

#include <algorithm>

#include "base/Clock.hpp"
#include "base/Log.hpp"
#include "state/FailureText.hpp"

namespace pharos::health {

std::string describeMember(const conf::Pool& pool, uint32_t member) {
    const auto& m = pool.members[member];
    return pool.name + "/" + m.name + " " + conf::memberTarget(m);
}

EventReporter::EventReporter(boost::asio::io_context& io, const conf::Settings& settings)
    : io_(io), notifier_(std::make_unique<notify::Notifier>(io, settings)) {}

EventReporter::~EventReporter() {
    *alive_ = false;
}

bool EventReporter::sameWebhooks(const conf::Settings& settings) const {
    return notifier_->sameTargets(settings);
}

void EventReporter::checkWebhooks(const conf::Settings& settings) const {
    notify::Notifier check(io_, settings);
}

void EventReporter::useWebhooks(const conf::Settings& settings) {
    notifier_ = std::make_unique<notify::Notifier>(io_, settings, std::move(*notifier_));
}

void EventReporter::watch(const ProbeRun& run) {
    run_ = &run;
    watch_ = std::make_unique<AnswerWatch>(run.config(), run.table());
    for (uint32_t p = 0; p < run.config().pools.size(); ++p) {
        watch_->recheck(p);  // what each pool answers now, to compare with
    }
}

void EventReporter::answersMayMove(const conf::Pool& pool) {
    // A pool of another configuration: a reload's new run, whose watch starts from what it
    // publishes (or the first run, before it is watched).
    if (!run_ || !watch_) {
        return;
    }
    const auto& config = run_->config();
    if (&pool < config.pools.data() || &pool >= config.pools.data() + config.pools.size()) {
        return;
    }
    bool first = dirty_.empty();
    uint32_t p = uint32_t(&pool - config.pools.data());
    if (std::find(dirty_.begin(), dirty_.end(), p) == dirty_.end()) {
        dirty_.push_back(p);
    }
    if (first) {
        boost::asio::post(io_, [this, alive = alive_] {
            if (*alive && watch_) {
                recheckDirty();
            }
        });
    }
}

void EventReporter::recheckDirty() {
    for (uint32_t dirty : std::exchange(dirty_, {})) {
        if (dirty >= run_->config().pools.size()) {
            continue;
        }
        if (auto move = watch_->recheck(dirty)) {
            const auto& pool = run_->config().pools[dirty];
            PHAROS_LOG(Warning, "pool " << pool.name << ": answers moved from " << move->from
                                        << " to " << move->to);
            notifier_->publish({"failover", pool.name, "", "", move->from, move->to,
                                "the answer of the fogroup pool changed", base::realtimeMs()});
        }
    }
}

void EventReporter::memberStateChanged(const conf::Config& config, const conf::Pool& pool,
                                       uint32_t member, state::MemberState before,
                                       const state::SlotView& next) {
    if (before == state::MemberState::Unknown && next.state == state::MemberState::Up) {
        return;  // a first verdict that is fine: a start of 100,000 members is not news
    }
    const auto& m = pool.members[member];
    std::string reason = next.state == state::MemberState::Down
                             ? state::failureText(config, pool, m, next.reason, next.detail)
                             : "";
    notifier_->publish({"member-state", pool.name, m.name, conf::memberTarget(m), toString(before),
                        toString(next.state), reason, base::realtimeMs(), m.alert_only});
}

void EventReporter::adminChanged(const conf::Pool& pool, uint32_t member, state::AdminOverride was,
                                 const admin::Override* now) {
    const auto& m = pool.members[member];
    std::string by = now && !now->by.empty() ? " by " + now->by : "";
    std::string reason = now && !now->reason.empty() ? " (" + now->reason + ")" : "";
    PHAROS_LOG(Info, describeMember(pool, member)
                         << ": admin " << (now ? state::toString(now->action) : "cleared") << by
                         << reason);
    answersMayMove(pool);
    notifier_->publish(
        {"admin-override", pool.name, m.name, conf::memberTarget(m), state::toString(was),
         state::toString(now ? now->action : state::AdminOverride::None),
         now ? (now->by.empty() ? "" : "by " + now->by) + reason : "cleared or ended",
         base::realtimeMs(), m.alert_only});
}

void EventReporter::holdChanged(const conf::Pool& pool, uint32_t member, state::PolicyHold hold) {
    answersMayMove(pool);
    PHAROS_LOG(Info, describeMember(pool, member)
                         << ": policy hold "
                         << (hold == state::PolicyHold::None ? "cleared" : toString(hold)));
}

void EventReporter::policyEvents(const conf::Pool& pool,
                                 const std::vector<policy::PolicyEvent>& events, int64_t now_ms) {
    for (const auto& e : events) {
        PHAROS_LOG(Warning,
                   "pool " << pool.name << ": " << e.what << " " << e.member << ": " << e.detail);
        notifier_->publish({"policy:" + e.what, pool.name, e.member, "", "", "", e.detail, now_ms});
    }
}

}  // namespace pharos::health
