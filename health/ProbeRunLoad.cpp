// ProbeRun keeping up with its schedule: the cap on checks in flight and the line of those
// waiting for a slot, the loop's lag tick, the failures its own stalls excuse, the members whose
// verdicts have gone stale, and what operators are told of it all.
#include <algorithm>
#include <iomanip>
#include <sstream>

#include "base/Clock.hpp"
#include "base/Log.hpp"
#include "health/MemberProbe.hpp"
#include "health/ProbeRun.hpp"

namespace pharos::health {

namespace {

double seconds(std::chrono::steady_clock::duration d) {
    return std::chrono::duration<double>(d).count();
}

std::string secondsText(std::chrono::steady_clock::duration d) {
    std::ostringstream out;
    out << std::fixed << std::setprecision(seconds(d) < 10 ? 1 : 0) << seconds(d) << " s";
    return out.str();
}

template <typename Rep, typename Period>
std::chrono::steady_clock::duration steady(std::chrono::duration<Rep, Period> d) {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
}

}  // namespace

void ProbeRun::admit(MemberProbe& m, Clock::time_point due) {
    m.due = due;
    if (in_flight_ < max_in_flight_ && waiting_.empty()) {
        return startCheck(m);
    }
    m.waiting = true;
    waiting_.push_back(m.slot);
    if (in_flight_ < max_in_flight_) {
        startWaiting();
    }
}

// A check is late when it starts past half its interval after its due time (half a second at
// the most): the member's detection bound already counts on the interval, not on more.
void ProbeRun::startCheck(MemberProbe& m) {
    Clock::time_point now = Clock::now();
    Clock::duration lateness = std::max(Clock::duration::zero(), now - m.due);
    auto allowed =
        std::min(steady(m.pool->params->interval) / 2, steady(std::chrono::milliseconds(500)));
    bool late = lateness > allowed;
    if (late) {
        ++counts_.late;
        if (counters_) {
            ++counters_->checks_late;
        }
    }
    load_.checkStarted(lateness, late);
    m.started = now;
    runProbe(m);
}

// Called as each check ends. A check that ends at once (a name still resolving) would start the
// next from inside this loop: the flag keeps that from recursing once per waiting member.
void ProbeRun::startWaiting() {
    if (starting_waiting_) {
        return;
    }
    starting_waiting_ = true;
    while (in_flight_ < max_in_flight_ && !waiting_.empty()) {
        MemberProbe& m = members_[waiting_.front()];
        waiting_.pop_front();
        m.waiting = false;
        startCheck(m);
    }
    starting_waiting_ = false;
}

void ProbeRun::skipTick() {
    ++counts_.skipped;
    if (counters_) {
        ++counters_->checks_skipped;
    }
    load_.checkSkipped();
}

// Only a timeout is excused: a refused connection, a bad status or a wrong body is the member's
// answer however late it was read.
bool ProbeRun::discounted(const MemberProbe& m, const ProbeResult& result) const {
    if (result.pass || result.reason != state::FailureReason::Timeout) {
        return false;
    }
    Clock::duration ongoing = std::max(Clock::duration::zero(), Clock::now() - tick_due_);
    return load_.distorted(m.started, steady(m.pool->params->timeout), ongoing);
}

void ProbeRun::tick() {
    tick_due_ = Clock::now() + kTick;
    loop_tick_.expires_at(tick_due_);
    loop_tick_.async_wait([this, alive = alive_](const boost::system::error_code& e) {
        if (e || !*alive) {
            return;
        }
        Clock::time_point now = Clock::now();
        load_.loopRan(now, std::max(Clock::duration::zero(), now - tick_due_));
        if (++ticks_ % 10 == 0) {
            review(now);
        }
        tick();
    });
}

void ProbeRun::review(Clock::time_point now) {
    Clock::duration oldest =
        waiting_.empty() ? Clock::duration::zero() : now - members_[waiting_.front()].due;
    LoadWatch::Change change = load_.review(now, oldest);
    sweepStale(now);
    if (counters_) {
        auto& l = counters_->load;
        if (change == LoadWatch::Change::FellBehind) {
            l.behind_since_ms = base::realtimeMs();
        }
        l.behind = load_.behind();
        l.lateness_s = seconds(load_.lateness());
        l.worst_lateness_s = load_.behind() ? seconds(load_.worstLateness()) : 0;
        l.loop_lag_s = seconds(load_.loopLag());
        l.in_flight = in_flight_;
        l.waiting = waiting_.size();
        l.max_in_flight = max_in_flight_;
        l.members_stale = stale_;
    }
    reportLoad(change);
}

void ProbeRun::reportLoad(LoadWatch::Change change) {
    if (change == LoadWatch::Change::FellBehind) {
        counts_behind_ = counts_;
        PHAROS_LOG(Warning, "prober behind schedule: checks "
                                << secondsText(load_.lateness()) << " late (loop lag "
                                << secondsText(load_.loopLag()) << ", " << in_flight_
                                << " checks in flight of max_in_flight " << max_in_flight_ << ", "
                                << waiting_.size()
                                << " waiting); verdicts are kept, and timeouts measured while the "
                                   "loop stalls are not counted");
    } else if (change == LoadWatch::Change::CaughtUp) {
        auto since = Clock::now() - load_.behindSince();
        PHAROS_LOG(Info, "prober caught up after "
                             << secondsText(since) << " behind (worst "
                             << secondsText(load_.worstLateness())
                             << " late): " << counts_.late - counts_behind_.late
                             << " checks started late, " << counts_.skipped - counts_behind_.skipped
                             << " skipped, " << counts_.discounted - counts_behind_.discounted
                             << " failures not counted; " << stale_ << " members stale");
    }
}

// Two intervals and a timeout: one check lost to a late start or a stall is not news; two
// running out of time means the verdict is older than the member's detection bound promises.
ProbeRun::Clock::duration ProbeRun::staleAfter(const MemberProbe& m) const {
    return steady(m.pool->params->interval * 2 + m.pool->params->timeout);
}

bool ProbeRun::markStale(MemberProbe& m, bool stale) {
    if (m.stale == stale) {
        return false;
    }
    m.stale = stale;
    stale ? ++stale_ : --stale_;
    return true;
}

// The verdict stays as it was (the backend keeps answering with it); only the mark changes.
void ProbeRun::sweepStale(Clock::time_point now) {
    for (MemberProbe& m : members_) {
        if (!m.monitor || m.state.state() == state::MemberState::Unknown) {
            continue;
        }
        if (markStale(m, now - m.last_counted > staleAfter(m))) {
            state::SlotView v = table_.read(m.slot);
            v.stale = m.stale;
            table_.write(m.slot, v);
        }
    }
}

}  // namespace pharos::health
