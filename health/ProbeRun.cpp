#include "health/ProbeRun.hpp"

#include <malloc.h>
#include <time.h>

#include <algorithm>

#include "base/Clock.hpp"
#include "base/Log.hpp"
#include "health/MemberProbe.hpp"
#include "health/VerdictComposer.hpp"
#include "state/FailureText.hpp"

namespace pharos::health {

namespace asio = boost::asio;
using std::chrono::steady_clock;

ProbeRun::ProbeRun(asio::io_context& io, conf::Config config, ProbeCounters* counters)
    : io_(io),
      config_(std::move(config)),
      counters_(counters),
      monitors_(makeMonitors(io, config_)),
      table_(config_, base::realtimeMs()),
      schedule_(io, [this](uint32_t member) { onDue(member); }),
      heartbeat_(io),
      loop_tick_(io),
      max_in_flight_(config_.settings.max_in_flight),
      random_(std::random_device{}()) {
    auto now = Clock::now();
    members_.reserve(config_.slot_count);  // never grows after this: probes hold addresses
    for (size_t p = 0; p < config_.pools.size(); ++p) {
        const auto& pool = config_.pools[p];
        auto interval_ms = int64_t(pool.params->interval.count() * 1000);
        for (size_t i = 0; i < pool.members.size(); ++i) {
            uint32_t slot = pool.first_slot + uint32_t(i);
            MemberProbe m{&pool,
                          &pool.members[i],
                          monitors_.of_pool[p],
                          slot,
                          targetOf(pool, pool.members[i]),
                          HealthState(pool.params->retries, pool.params->rise, interval_ms)};
            m.by_name = pool.members[i].probe_by_name;
            m.last_counted = now;
            state::SlotView known = table_.read(slot);  // carried over from an earlier table
            m.stale = known.stale && m.monitor;         // until its first check here counts
            stale_ += m.stale;
            // Down only through a dependency or the cluster's votes: its own checks passed.
            bool outvoted = known.reason == state::FailureReason::DependencyDown ||
                            known.reason == state::FailureReason::QuorumDown;
            state::MemberState own = outvoted ? state::MemberState::Up : known.state;
            if (!outvoted) {
                m.own_reason = known.reason;
                m.own_detail = known.detail;
            }
            m.state.restore(own, known.consecutive_ok, known.consecutive_fail);
            unknown_ += known.state == state::MemberState::Unknown;
            members_.push_back(std::move(m));
        }
    }
    for (const auto& pool : config_.pools) {
        for (size_t i = 0; i < pool.members.size(); ++i) {
            for (const auto& dep : pool.members[i].depends_on) {
                uint32_t on = config_.pools[size_t(dep.pool)].first_slot + dep.member;
                members_[on].dependents.push_back(pool.first_slot + uint32_t(i));
            }
        }
    }
    PHAROS_LOG(Info, "health table " << config_.settings.health_table << ": " << table_.slotCount()
                                     << " members, " << monitors_.owned.size()
                                     << " distinct monitors, " << table_.adopted()
                                     << " verdicts carried over"
                                     << (table_.ready() ? ", ready" : ""));
}

ProbeRun::~ProbeRun() {
    stop();
}

void ProbeRun::start() {
    auto probed = std::count_if(members_.begin(), members_.end(),
                                [](const MemberProbe& m) { return m.monitor != nullptr; });
    // First probes are spread so thousands of members do not fire together; within 2 s (as
    // Polaris) so the table is ready soon after a start, but at most kFirstChecksPerSecond:
    // every first check of 100,000 unreachable members in flight at once would hold hundreds
    // of MB, and set the process's peak memory for its whole life.
    double longest = std::max(2.0, double(probed) / kFirstChecksPerSecond);
    for (uint32_t i = 0; i < members_.size(); ++i) {
        MemberProbe& m = members_[i];
        if (!m.monitor) {
            setForced(m);
            continue;
        }
        double spread = std::min(m.pool->params->interval.count(), longest);
        std::uniform_real_distribution<double> first(0, spread);
        schedule_.after(i, std::chrono::duration_cast<steady_clock::duration>(
                               std::chrono::duration<double>(first(random_))));
    }
    // Verdicts carried over from an earlier configuration hold its dependencies: a member
    // downed by one this configuration dropped comes back now, not at its next check.
    int64_t now = base::realtimeMs();
    for (MemberProbe& m : members_) {
        if (!m.member->depends_on.empty() ||
            table_.read(m.slot).reason == state::FailureReason::DependencyDown) {
            refreshDependent(m, now);
        }
    }
    if (unknown_ == 0) {
        table_.markReady();  // every verdict was carried over, or there is nothing to probe
    }
    beat();
    tick();
}

void ProbeRun::stop() {
    *alive_ = false;
    heartbeat_.cancel();
    loop_tick_.cancel();
    schedule_.stop();
}

void ProbeRun::beat() {
    try {
        const auto& s = config_.settings;
        if (table_.republishIfGone(s.health_table, s.table_group)) {
            PHAROS_LOG(Warning, "health table " << s.health_table
                                                << " was removed or replaced; published again");
        }
    } catch (const std::exception& e) {
        PHAROS_LOG(Error, "health table: cannot publish again: " << e.what());
    }
    table_.heartbeat(base::realtimeMs());
    heartbeat_.expires_after(std::chrono::milliseconds(500));
    heartbeat_.async_wait([this, alive = alive_](const boost::system::error_code& e) {
        if (!e && *alive) {
            beat();
        }
    });
}

// 95 to 100 % of the interval, so members that started together drift apart instead of firing
// in step, and never later than the interval, which the detection bound counts on.
steady_clock::duration ProbeRun::jittered(const MemberProbe& m) {
    std::uniform_real_distribution<double> jitter(0.95, 1.0);
    return std::chrono::duration_cast<steady_clock::duration>(
        std::chrono::duration<double>(m.pool->params->interval.count() * jitter(random_)));
}

void ProbeRun::onDue(uint32_t member) {
    MemberProbe& m = members_[member];
    if (counters_) {
        counters_->recordScheduleDelay(std::chrono::duration<double>(schedule_.lateness()).count());
    }
    Clock::time_point due = schedule_.dueAt();
    schedule_.after(member, jittered(m));
    if (m.waiting) {
        return skipTick();  // keeps its place in the line, and its due time
    }
    if (m.in_flight) {
        // Checks never pile up, but a tick is not lost either: when timeout equals the
        // interval the previous check ends just as this tick comes, and skipping would double
        // the time to detect a member that hangs. The next check is due when this one ends.
        if (m.tick_missed) {
            return skipTick();
        }
        m.tick_missed = true;
        m.missed = due;
        return;
    }
    admit(m, due);
}

void ProbeRun::runProbe(MemberProbe& m) {
    m.in_flight = true;
    ++in_flight_;
    auto timeout = std::chrono::milliseconds(int64_t(m.pool->params->timeout.count() * 1000));
    ProbeDone done = [this, &m, alive = alive_](const ProbeResult& r) {
        if (!*alive) {
            return;
        }
        m.in_flight = false;
        --in_flight_;
        onResult(m, r);
        if (m.tick_missed) {
            m.tick_missed = false;
            admit(m, m.missed);
        }
        startWaiting();
    };
    if (m.by_name) {
        resolveThenProbe(m, timeout, std::move(done));
    } else {
        m.monitor->probe(m.target, timeout, std::move(done));
    }
}

// The name is resolved again on every check, so the probe follows the name wherever its
// owner points it. getaddrinfo cannot be interrupted: the deadline answers for it, cancels
// what is still queued, and a late resolution is dropped. A member never has two resolutions
// outstanding, so a DNS server that hangs cannot pile them up on asio's resolver thread.
void ProbeRun::resolveThenProbe(MemberProbe& m, std::chrono::milliseconds timeout, ProbeDone done) {
    if (m.resolving) {
        return done(ProbeResult{false, state::FailureReason::ResolveFailed});
    }
    struct Resolution {
        Resolution(asio::io_context& io, ProbeDone d)
            : resolver(io), timer(io), done(std::move(d)) {}
        asio::ip::tcp::resolver resolver;
        asio::steady_timer timer;
        ProbeDone done;  // emptied by whichever ends first
        steady_clock::time_point start = steady_clock::now();
    };
    auto r = std::make_shared<Resolution>(io_, std::move(done));
    r->timer.expires_after(timeout);
    r->timer.async_wait([r](const boost::system::error_code& e) {
        if (!e && r->done) {
            r->resolver.cancel();
            std::exchange(r->done,
                          nullptr)(ProbeResult{false, state::FailureReason::ResolveFailed});
        }
    });
    m.resolving = true;
    r->resolver.async_resolve(
        m.member->cname, std::to_string(m.target.port),
        [this, &m, r, timeout, alive = alive_](const boost::system::error_code& e,
                                               const asio::ip::tcp::resolver::results_type& found) {
            if (!*alive) {
                return;
            }
            m.resolving = false;
            if (!r->done) {
                return;
            }
            r->timer.cancel();
            ProbeDone done = std::exchange(r->done, nullptr);
            if (e || found.empty()) {
                return done(ProbeResult{false, state::FailureReason::ResolveFailed});
            }
            auto addresses = std::make_shared<std::vector<asio::ip::address>>();
            for (const auto& entry : found) {
                auto address = entry.endpoint().address();
                if (std::find(addresses->begin(), addresses->end(), address) == addresses->end()) {
                    addresses->push_back(address);
                }
            }
            probeAddresses(m, addresses, 0, r->start + timeout, std::move(done));
        });
}

// A name's addresses in the resolver's order, each probed with what is left of the timeout
// until one passes: the member is up when a client that tries them would get an answer, and
// one bad address of a CDN name does not fail it.
void ProbeRun::probeAddresses(MemberProbe& m,
                              std::shared_ptr<std::vector<asio::ip::address>> addresses, size_t at,
                              steady_clock::time_point deadline, ProbeDone done) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady_clock::now());
    m.target.address = (*addresses)[at];
    m.monitor->probe(
        m.target, std::max(left, std::chrono::milliseconds(1)),
        [this, &m, addresses, at, deadline, done = std::move(done),
         alive = alive_](const ProbeResult& result) {
            if (!*alive) {
                return;
            }
            if (result.pass || at + 1 >= addresses->size() || steady_clock::now() >= deadline) {
                return done(result);
            }
            probeAddresses(m, addresses, at + 1, deadline, done);
        });
}

void ProbeRun::onResult(MemberProbe& m, const ProbeResult& result) {
    ++checks_;
    if (discounted(m, result)) {
        ++counts_.discounted;
        if (counters_) {
            ++counters_->failures_discounted;
        }
        return;  // the member keeps its verdict and its counts
    }
    m.last_counted = Clock::now();
    markStale(m, false);  // published with the verdict, below
    int64_t now = base::realtimeMs();
    if (m.state.record(result.pass, now) && own_verdict_) {
        own_verdict_(*m.pool, *m.member, m.state.state());
    }
    if (counters_) {
        counters_->recordProbe(m.pool->name, result.latency_us / 1e6, result.pass, result.reason);
    }
    publish(m, result, now);
}

void ProbeRun::setForced(MemberProbe& m) {
    bool up = m.pool->params->forced_up;
    int64_t now = base::realtimeMs();
    if (m.state.record(up, now) && own_verdict_) {
        own_verdict_(*m.pool, *m.member, m.state.state());
    }
    publish(m,
            ProbeResult{up, up ? state::FailureReason::None : state::FailureReason::ForcedDown, 0},
            now);
}

bool ProbeRun::setAdmin(uint32_t slot, state::AdminOverride admin) {
    return setAdminAndHold(slot, admin, table_.read(slot).hold).admin != admin;
}

bool ProbeRun::setHold(uint32_t slot, state::PolicyHold hold) {
    return setAdminAndHold(slot, table_.read(slot).admin, hold).hold != hold;
}

state::SlotView ProbeRun::setAdminAndHold(uint32_t slot, state::AdminOverride admin,
                                          state::PolicyHold hold) {
    state::SlotView v = table_.read(slot);
    state::SlotView before = v;
    if (v.admin != admin || v.hold != hold) {
        v.admin = admin;
        v.hold = hold;
        table_.write(slot, v);
    }
    return before;
}

void ProbeRun::publish(MemberProbe& m, const ProbeResult& result, int64_t now_ms) {
    state::SlotView v = table_.read(m.slot);
    state::MemberState before = v.state;
    v.state = m.state.state();
    v.flapping = m.state.flapping(now_ms);
    v.flaps = m.state.recentChanges(now_ms);
    v.last_check_ms = now_ms;
    v.stale = m.stale;
    v.latency_us = result.latency_us;
    v.consecutive_ok = m.state.consecutiveOk();
    v.consecutive_fail = m.state.consecutiveFail();
    m.own_reason = result.pass ? state::FailureReason::None : result.reason;
    m.own_detail = result.pass ? 0 : result.detail;
    compose(m, v);
    write(m, v, before, now_ms);
}

// The published verdict: this prober's own, then the cluster's votes, then the dependencies
// (health/VerdictComposer); the override and the hold stay as they are.
void ProbeRun::compose(const MemberProbe& m, state::SlotView& v) const {
    VerdictInputs in;
    in.own = m.state.state();
    in.own_reason = m.own_reason;
    in.own_detail = m.own_detail;
    in.quorum = m.pool->health_quorum;
    if (votes_ && in.quorum != conf::HealthQuorum::Local) {
        // Built here rather than kept per member: most deployments have no cluster, and a
        // string per member would cost a large configuration megabytes.
        in.votes = votes_->tally(state::voteKey(m.pool->name, conf::memberTarget(*m.member)));
    }
    const auto& deps = m.member->depends_on;
    std::vector<state::MemberState> published;  // allocates only for members with depends_on
    published.reserve(deps.size());
    for (const auto& dep : deps) {
        published.push_back(
            table_.read(config_.pools[size_t(dep.pool)].first_slot + dep.member).state);
    }
    in.dependencies = published;
    in.admin = v.admin;
    in.hold = v.hold;
    Verdict out = composeVerdict(in);
    v.state = out.state;
    v.reason = out.reason;
    v.detail = out.detail;
    v.admin = out.admin;
    v.hold = out.hold;
}

void ProbeRun::refreshQuorum() {
    int64_t now = base::realtimeMs();
    for (MemberProbe& m : members_) {
        if (m.pool->health_quorum != conf::HealthQuorum::Local) {
            refreshDependent(m, now);
        }
    }
}

std::unordered_set<std::string> ProbeRun::ownDown() const {
    std::unordered_set<std::string> out;
    for (const MemberProbe& m : members_) {
        if (m.state.state() == state::MemberState::Down) {
            out.insert(state::voteKey(m.pool->name, conf::memberTarget(*m.member)));
        }
    }
    return out;
}

// A dependency or the votes changed: the member's own checks say the same as before, its
// verdict may not.
void ProbeRun::refreshDependent(MemberProbe& m, int64_t now_ms) {
    if (m.state.state() == state::MemberState::Unknown) {
        return;  // decided at its first check
    }
    state::SlotView v = table_.read(m.slot);
    state::MemberState before = v.state;
    state::FailureReason reason = v.reason;
    uint16_t detail = v.detail;
    compose(m, v);
    if (v.state != before || v.reason != reason || v.detail != detail) {
        write(m, v, before, now_ms);
    }
}

void ProbeRun::write(MemberProbe& m, state::SlotView& v, state::MemberState before,
                     int64_t now_ms) {
    bool changed = v.state != before;
    if (changed) {
        v.last_change_ms = now_ms;
        if (counters_) {
            ++counters_->transitions[state::memberKey(m.pool->name, *m.member)];
        }
        bool down = v.state == state::MemberState::Down;
        PHAROS_LOG(Info, m.pool->name << "/" << m.member->name << " "
                                      << conf::memberTarget(*m.member) << ": " << toString(before)
                                      << " -> " << toString(v.state)
                                      << (down ? " (" +
                                                     state::failureText(config_, *m.pool, *m.member,
                                                                        v.reason, v.detail) +
                                                     ")"
                                               : std::string()));
        if (state_change_) {
            state_change_(*m.pool, m.slot - m.pool->first_slot, before, v);
        }
    }
    table_.write(m.slot, v);
    if (before == state::MemberState::Unknown && v.state != state::MemberState::Unknown &&
        unknown_ > 0) {
        --unknown_;
    }
    if (unknown_ == 0 && !table_.ready()) {
        table_.markReady();
        PHAROS_LOG(Info, "health table ready: every member has a verdict");
        // The first round had far more checks in flight than later ones will (spread over
        // seconds, not over the interval): give back the heap they left.
        malloc_trim(0);
    }
    if (changed) {
        for (uint32_t dependent : m.dependents) {
            refreshDependent(members_[dependent], now_ms);
        }
    }
}

}  // namespace pharos::health
