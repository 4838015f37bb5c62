#pragma once
// Probing for one configuration: a state::HealthTableWriter, one monitor per pool and one schedule
// per member, all on one io_context. A reload builds a new ProbeRun (whose table takes over
// the verdicts of this one) and stops this one; nothing is shared between the two.
#include <boost/asio.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <vector>

#include "conf/Config.hpp"
#include "health/HealthState.hpp"
#include "health/LoadWatch.hpp"
#include "health/MonitorFactory.hpp"
#include "health/ProbeCounters.hpp"
#include "health/ProbeSchedule.hpp"
#include "health/checks/Monitor.hpp"
#include "state/HealthTableWriter.hpp"
#include "state/VoteBook.hpp"

namespace pharos::health {

class ProbeRun {
  public:
    // `counters` (may be null) receives every probe's outcome; it must outlive the run.
    ProbeRun(boost::asio::io_context& io, conf::Config config, ProbeCounters* counters = nullptr);
    ~ProbeRun();
    void start();
    // Cancels every timer; results of probes still in flight are dropped.
    void stop();

    const conf::Config& config() const { return config_; }
    // Sets the admin override published in a slot's verdict word; returns whether it changed.
    bool setAdmin(uint32_t slot, state::AdminOverride admin);
    // Sets the DR policy's hold published in a slot's verdict word; returns whether it changed.
    bool setHold(uint32_t slot, state::PolicyHold hold);
    // Sets both in one write, so readers never see the one without the other; returns the
    // slot as it was.
    state::SlotView setAdminAndHold(uint32_t slot, state::AdminOverride admin,
                                    state::PolicyHold hold);
    // Called when a member's probe state changes, before its slot is written, with the slot
    // as it is about to be: the owner of the DR policies sets `next.hold` (and the holds of
    // the pool's other members), so the new state and its hold reach readers in one word.
    using StateChangeHook = std::function<void(const conf::Pool& pool, uint32_t member,
                                               state::MemberState before, state::SlotView& next)>;
    void onStateChange(StateChangeHook hook) { state_change_ = std::move(hook); }
    // This prober's own verdict on a member changed (its checks alone: before the cluster's
    // votes and the dependencies); the cluster link publishes it.
    using OwnVerdictHook = std::function<void(const conf::Pool& pool, const conf::Member& member,
                                              state::MemberState own)>;
    void onOwnVerdict(OwnVerdictHook hook) { own_verdict_ = std::move(hook); }
    // The cluster's votes, which pools with a health_quorum other than local combine with this
    // node's verdicts; null: standalone. Must outlive the run.
    void useVotes(const state::VoteBook* votes) { votes_ = votes; }
    // The votes changed: every member of a quorum pool is decided again.
    void refreshQuorum();
    // The members this prober's own checks see down, as votes name them.
    std::unordered_set<std::string> ownDown() const;
    const state::HealthTableWriter& table() const { return table_; }
    uint64_t checksDone() const { return checks_; }

  private:
    using Clock = std::chrono::steady_clock;
    static constexpr double kFirstChecksPerSecond = 10000;
    static constexpr Clock::duration kTick = std::chrono::milliseconds(100);
    struct MemberProbe;
    void onDue(uint32_t member);
    // Keeping up with the schedule (health/ProbeRunLoad.cpp): at most max_in_flight checks
    // run at once, the rest wait in due order, so an overloaded prober checks every member
    // less often instead of starving some, and its memory stays bounded.
    void admit(MemberProbe& m, Clock::time_point due);
    void startCheck(MemberProbe& m);
    void startWaiting();
    void skipTick();
    bool discounted(const MemberProbe& m, const ProbeResult& result) const;
    void tick();
    void review(Clock::time_point now);
    void sweepStale(Clock::time_point now);
    bool markStale(MemberProbe& m, bool stale);
    void reportLoad(LoadWatch::Change change);
    Clock::duration staleAfter(const MemberProbe& m) const;
    void runProbe(MemberProbe& m);
    void onResult(MemberProbe& m, const ProbeResult& result);
    void setForced(MemberProbe& m);
    void resolveThenProbe(MemberProbe& m, std::chrono::milliseconds timeout, ProbeDone done);
    void probeAddresses(MemberProbe& m,
                        std::shared_ptr<std::vector<boost::asio::ip::address>> addresses, size_t at,
                        std::chrono::steady_clock::time_point deadline, ProbeDone done);
    void publish(MemberProbe& m, const ProbeResult& result, int64_t now_ms);
    void compose(const MemberProbe& m, state::SlotView& v) const;
    void refreshDependent(MemberProbe& m, int64_t now_ms);
    void write(MemberProbe& m, state::SlotView& v, state::MemberState before, int64_t now_ms);
    void beat();
    std::chrono::steady_clock::duration jittered(const MemberProbe& m);

    boost::asio::io_context& io_;
    conf::Config config_;
    ProbeCounters* counters_;
    // Built before the table: a monitor that cannot be made (an unreadable ca_file) must fail
    // the reload before the new table is published and the old one retired.
    Monitors monitors_;
    state::HealthTableWriter table_;
    std::vector<MemberProbe> members_;  // by slot
    ProbeSchedule schedule_;
    boost::asio::steady_timer heartbeat_;
    boost::asio::steady_timer loop_tick_;  // measures the loop's lag, reviews the load
    Clock::time_point tick_due_{};
    unsigned ticks_ = 0;
    LoadWatch load_;
    std::deque<uint32_t> waiting_;  // slots whose check waits for a slot, in due order
    size_t in_flight_ = 0;
    size_t max_in_flight_;
    bool starting_waiting_ = false;
    size_t stale_ = 0;
    // This run's counts (counters_ may be null), and theirs when it fell behind.
    struct LoadCounts {
        uint64_t late = 0, skipped = 0, discounted = 0;
    };
    LoadCounts counts_, counts_behind_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    std::mt19937 random_;
    StateChangeHook state_change_;
    OwnVerdictHook own_verdict_;
    const state::VoteBook* votes_ = nullptr;
    size_t unknown_ = 0;
    uint64_t checks_ = 0;
};

}  // namespace pharos::health
