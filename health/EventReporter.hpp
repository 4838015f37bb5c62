#pragma once
// What pharos-health tells operators, in its log and to the `notify:` webhooks: a member's
// state, override or DR-policy hold that changed, the policies' events, and the answers of
// fogroup pools, watched (health/AnswerWatch) so the failover itself is told, not only the
// member that went down. Owns the webhooks (notify::Notifier), which a reload may replace.
#include <boost/asio.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "admin/AdminOverrides.hpp"
#include "conf/Config.hpp"
#include "health/AnswerWatch.hpp"
#include "health/ProbeRun.hpp"
#include "notify/Notifier.hpp"
#include "policy/PoolPolicy.hpp"

namespace pharos::health {

// A member as the log and pharosctl's replies name it: "pool/name address".
std::string describeMember(const conf::Pool& pool, uint32_t member);

class EventReporter {
  public:
    // Throws when a webhook's TLS context cannot be made.
    EventReporter(boost::asio::io_context& io, const conf::Settings& settings);
    ~EventReporter();
    EventReporter(const EventReporter&) = delete;
    EventReporter& operator=(const EventReporter&) = delete;

    // For a reload: whether `settings` names the webhooks in use; checkWebhooks throws when
    // other ones cannot be made (before anything has changed), useWebhooks takes them,
    // keeping the queues (events and counts) of the webhooks both name.
    bool sameWebhooks(const conf::Settings& settings) const;
    void checkWebhooks(const conf::Settings& settings) const;
    void useWebhooks(const conf::Settings& settings);
    const notify::Notifier& notifier() const { return *notifier_; }
    void publish(const notify::NotifyEvent& event) { notifier_->publish(event); }

    // Watches the answers of `run`'s pools; a reload calls it again with the new run. What
    // each pool answers now is what later answers are compared with.
    void watch(const ProbeRun& run);
    // The answers of `pool` may move: it is decided again once this turn of the event loop
    // has published what changed (a state-change hook runs before the slot is written, and a
    // site outage changes many members at once). A pool of another run is left alone.
    void answersMayMove(const conf::Pool& pool);

    // A member's published state changes (`next`: its slot as it is about to be written).
    void memberStateChanged(const conf::Config& config, const conf::Pool& pool, uint32_t member,
                            state::MemberState before, const state::SlotView& next);
    // A member's published override changed from `was`; `now` is its override (who, why),
    // null when it was cleared or ended.
    void adminChanged(const conf::Pool& pool, uint32_t member, state::AdminOverride was,
                      const admin::Override* now);
    void holdChanged(const conf::Pool& pool, uint32_t member, state::PolicyHold hold);
    void policyEvents(const conf::Pool& pool, const std::vector<policy::PolicyEvent>& events,
                      int64_t now_ms);

  private:
    void recheckDirty();

    boost::asio::io_context& io_;
    std::unique_ptr<notify::Notifier> notifier_;
    const ProbeRun* run_ = nullptr;  // the one watched
    std::unique_ptr<AnswerWatch> watch_;
    std::vector<uint32_t> dirty_;  // pools whose answer may have moved
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace pharos::health
