#include "cluster/ClusterLink.hpp"

#include <time.h>

#include <algorithm>
#include <functional>

#include "base/Clock.hpp"
#include "base/Log.hpp"
#include "cluster/EtcdReplies.hpp"
#include "cluster/StateCodec.hpp"
#include "cluster/VoteCodec.hpp"

namespace pharos::cluster {
namespace {

namespace asio = boost::asio;
using nlohmann::json;

constexpr auto kRetryAfter = std::chrono::milliseconds(500);
constexpr size_t kOpsPerTxn = 100;  // etcd refuses more than 128 by default

}  // namespace

ClusterLink::ClusterLink(asio::io_context& io, conf::ClusterSettings settings, Hooks hooks)
    : settings_(std::move(settings)),
      hooks_(std::move(hooks)),
      etcd_(io, settings_),
      keepalive_(io),
      retry_(io),
      rewatch_(io),
      vote_(
          io, settings_.node, settings_.site, book_, [this] { return status_.connected; },
          [this](const std::string& text, auto done) { putVote(text, std::move(done)); }) {
    status_.since_ms = base::realtimeMs();
    status_.endpoint = settings_.etcd.front().url;
}

ClusterLink::~ClusterLink() {
    stop();
}

void ClusterLink::start() {
    vote_.start();
    connect();
    keepAlive();
}

void ClusterLink::stop() {
    *alive_ = false;
    keepalive_.cancel();
    retry_.cancel();
    rewatch_.cancel();
    if (watch_) {
        watch_->cancel();
        watch_.reset();
    }
}

// etcd's answers are read with checks, but one shaped past them (a JSON field of another
// type) must cost the link, not the prober: it is made again from a fresh read.
void ClusterLink::guarded(const std::function<void()>& handle) {
    try {
        handle();
    } catch (const json::exception& e) {
        linkDown(std::string("malformed answer from etcd: ") + e.what());
    }
}

const conf::EtcdEndpoint& ClusterLink::callEndpoint() const {
    return settings_.etcd[endpoint_ % settings_.etcd.size()];
}

CallDone ClusterLink::handled(CallDone done) {
    return [this, alive = alive_, done = std::move(done)](const std::string& error,
                                                          const json& reply) {
        if (!*alive) {
            return;
        }
        if (!error.empty()) {  // the next call tries the next endpoint
            endpoint_ = (endpoint_ + 1) % settings_.etcd.size();
        }
        guarded([&] { done(error, reply); });
    };
}

void ClusterLink::connect() {
    if (connecting_ || status_.connected) {
        return;
    }
    connecting_ = true;
    status_.endpoint = settings_.etcd[endpoint_ % settings_.etcd.size()].url;
    int64_t ttl = int64_t(settings_.lease_ttl.count());
    etcd_.grant(callEndpoint(), ttl, handled([this](const std::string& error, const json& reply) {
                    onGranted(error, reply);
                }));
}

void ClusterLink::onGranted(const std::string& error, const json& reply) {
    if (!error.empty()) {
        return retryLater("lease: " + error);
    }
    LeaseGrant grant = readLeaseGrant(reply);
    if (grant.refusal) {
        return retryLater("lease: " + *grant.refusal);
    }
    lease_ = grant.id;
    readAll();
}

// Everything under the prefix, then a watch from just after it: nothing falls between.
void ClusterLink::readAll() {
    auto read = [this](const std::string& error, const json& reply) {
        if (!error.empty()) {
            return retryLater("read: " + error);
        }
        RangeAnswer range = readRange(reply);
        bool seeded = std::any_of(range.kvs.begin(), range.kvs.end(),
                                  [&](const EtcdKv& kv) { return kv.key == seedKey(); });
        if (!seeded) {
            return seed();
        }
        book_.keepOnly(settings_.node);
        mirror_.forgetStore();
        for (const auto& kv : range.kvs) {
            applyKv(kv);
        }
        status_.revision = range.revision;
        startWatch(status_.revision + 1);
        linkUp();
        vote_.rewrite();  // under the new lease
        if (std::exchange(seeded_here_, false)) {
            pushChange(admin::AdminState{}, hooks_.local_state());
        }
        adoptState();
        sendState();  // what this node changed while the link was being made again
        hooks_.votes_changed();
    };
    etcd_.range(callEndpoint(), settings_.prefix, KeySpan::Prefix, false, handled(read));
}

// A new cluster (nothing under the prefix yet) starts from the state of the first node that
// reaches it, so moving standalone nodes into a cluster keeps their drains and holders; every
// later node, and this one after a reconnection, adopts the cluster's. The marker is created
// once: of two nodes racing, one wins and the other adopts.
void ClusterLink::seed() {
    json marker = {{"node", settings_.node}, {"at_ms", base::realtimeMs()}};
    auto seeded = [this](const std::string& error, const json& reply) {
        if (!error.empty()) {
            return retryLater("seeding the shared state: " + error);
        }
        seeded_here_ = readTxnSucceeded(reply);
        if (seeded_here_) {
            PHAROS_LOG(Info, "cluster: " << settings_.prefix
                                         << " was empty in etcd: this node's admin state starts "
                                            "the cluster's");
        }
        readAll();
    };
    etcd_.txn(callEndpoint(), EtcdTxn{{seedKey()}, {{seedKey(), marker.dump()}}}, handled(seeded));
}

void ClusterLink::startWatch(int64_t from_revision) {
    if (watch_) {
        ++watch_generation_;
        watch_->cancel();
    }
    uint64_t generation = ++watch_generation_;
    watch_endpoint_ = endpoint_ % settings_.etcd.size();
    watch_ = etcd_.watch(
        settings_.etcd[watch_endpoint_], settings_.prefix, from_revision,
        [this, alive = alive_, generation](const json& message) {
            if (*alive && generation == watch_generation_) {
                guarded([&] { onWatchMessage(message); });
            }
        },
        [this, alive = alive_, generation](const std::string& why) {
            if (*alive && generation == watch_generation_) {
                restartWatch("watch: " + why, true);
            }
        });
}

// A watch that ended, or that sits on a member the calls moved away from (one cut off from its
// quorum sends no events and says nothing), starts again on the calls' endpoint from the last
// revision seen, so no event is missed. The link itself stands or falls with the keepalives.
void ClusterLink::restartWatch(const std::string& why, bool next_endpoint) {
    if (!status_.connected) {
        return;
    }
    PHAROS_LOG(Debug,
               "cluster: " << why << "; watching again from revision " << status_.revision + 1);
    if (watch_) {
        ++watch_generation_;
        watch_->cancel();
        watch_.reset();
    }
    if (next_endpoint) {
        endpoint_ = (watch_endpoint_ + 1) % settings_.etcd.size();
    }
    rewatch_.expires_after(std::chrono::milliseconds(200));
    rewatch_.async_wait([this](const boost::system::error_code& e) {
        if (!e && status_.connected && !watch_) {
            startWatch(status_.revision + 1);
        }
    });
}

void ClusterLink::onWatchMessage(const json& message) {
    WatchAnswer answer = readWatchMessage(message);
    switch (answer.kind) {
        case WatchAnswer::Error:
            return restartWatch("watch: " + answer.why, true);
        case WatchAnswer::Compacted:  // the events in between are gone: read everything again
            return linkDown("watch cancelled: " + answer.why);
        case WatchAnswer::Cancelled:  // (a member without a leader) watch elsewhere
            return restartWatch("watch cancelled: " + answer.why, true);
        case WatchAnswer::Created:
            return;
        case WatchAnswer::Events:
            break;
    }
    bool votes = false, state = false;
    for (const auto& kv : answer.events) {
        std::string key = kv.key.value_or("");
        votes |= key.rfind(votesPrefix(), 0) == 0;
        state |= key.rfind(statePrefix(), 0) == 0;
        applyKv(kv);
    }
    status_.revision = std::max(status_.revision, answer.revision);
    if (state) {
        adoptState();
    }
    if (votes) {
        hooks_.votes_changed();
    }
}

void ClusterLink::applyKv(const EtcdKv& kv) {
    const auto& key = kv.key;
    const auto& value = kv.value;
    bool deleted = kv.deleted;
    if (!key || (!deleted && !value)) {
        PHAROS_LOG(Warning, "cluster: ignoring a malformed key or value from etcd");
        return;
    }
    if (key->rfind(votesPrefix(), 0) == 0) {
        std::string node = key->substr(votesPrefix().size());
        if (node == settings_.node) {
            return;  // this node's own vote is what this process says it is
        }
        if (deleted) {
            book_.remove(node);
            return;
        }
        auto v = decodeVote(*value);
        if (!v) {
            PHAROS_LOG(Warning, "cluster: ignoring node " << node << "'s malformed vote");
            return;
        }
        book_.set(node, std::move(*v));
    } else if (key->rfind(statePrefix(), 0) == 0) {
        mirror_.seen(*key, deleted ? std::nullopt : value, kv.mod_revision);
    }
}

// The state as etcd has it with this node's changes not written yet laid over it, read back
// through the admin-state file's parser (cluster/StateCodec), so what another node wrote is
// checked as strictly as the file is. Not while a write is on its way: etcd's view may be
// older than what it says.
void ClusterLink::adoptState() {
    if (mirror_.writing()) {
        adopt_pending_ = true;
        return;
    }
    adopt_pending_ = false;
    DecodedState decoded = decodeState(statePrefix(), mirror_.view());
    for (const auto& key : decoded.ignored) {
        PHAROS_LOG(Warning, "cluster: ignoring malformed state key " << key);
    }
    if (!decoded.state) {
        PHAROS_LOG(Error, "cluster: the shared state in etcd is not valid, kept the last good one: "
                              << decoded.error);
        return;
    }
    hooks_.shared_state(std::move(*decoded.state));
}

bool ClusterLink::pushChange(const admin::AdminState& before, const admin::AdminState& after) {
    if (!status_.connected) {
        return false;
    }
    mirror_.queue(stateChanges(statePrefix(), before, after));
    sendState();
    return true;
}

// One transaction at a time; changes made meanwhile go in the next one.
void ClusterLink::sendState() {
    if (!status_.connected || mirror_.writing() || !mirror_.pending()) {
        return;
    }
    EtcdTxn txn;
    for (auto& [key, value] : mirror_.startTransaction(kOpsPerTxn)) {
        txn.writes.push_back({key, value});
    }
    etcd_.txn(callEndpoint(), txn, handled([this](const std::string& error, const json& reply) {
                  onStateWritten(error, reply);
              }));
}

void ClusterLink::onStateWritten(const std::string& error, const json& reply) {
    if (!error.empty()) {
        // Sent again after the next keepalive; a newer change to the same key wins.
        mirror_.failed();
        PHAROS_LOG(Warning, "cluster: shared state not written to etcd: " << error);
    } else {
        mirror_.written(readRevision(reply));
    }
    if (adopt_pending_) {
        adoptState();
    }
    if (error.empty()) {
        sendState();
    }
}

void ClusterLink::ownVerdict(const std::string& vote_key, bool down) {
    vote_.member(vote_key, down);
}

void ClusterLink::ownReady(bool ready) {
    vote_.ready(ready);
}

void ClusterLink::resetOwn(std::unordered_set<std::string> down, bool ready, uint64_t layout) {
    vote_.reset(std::move(down), ready, layout);
    hooks_.votes_changed();  // the nodes that count may be others now
}

// This node's vote, under the lease: it ends with the lease when the node dies or is cut off.
void ClusterLink::putVote(const std::string& text,
                          std::function<void(const std::string& error)> done) {
    etcd_.put(
        callEndpoint(), votesPrefix() + settings_.node, text, lease_,
        handled([done = std::move(done)](const std::string& error, const json&) { done(error); }));
}

// Every third of the lease's TTL. A TTL without one success takes the link down: the other
// nodes stop counting this one's vote then, and this one theirs.
void ClusterLink::keepAlive() {
    auto every = std::chrono::milliseconds(ttlMs() / 3);
    keepalive_.expires_after(every);
    keepalive_.async_wait([this](const boost::system::error_code& e) {
        if (e) {
            return;
        }
        keepAlive();
        if (!status_.connected) {
            return;
        }
        etcd_.keepAlive(callEndpoint(), lease_,
                        handled([this, lease = lease_](const std::string& error, const json& r) {
                            if (!status_.connected || lease != lease_) {
                                return;  // an answer about a lease this node no longer uses
                            }
                            if (!error.empty()) {
                                return onKeepAliveFailed(error);
                            }
                            KeepAliveAnswer answer = readKeepAlive(r);
                            if (answer.error) {
                                return onKeepAliveFailed(*answer.error);
                            }
                            if (answer.expired) {
                                return linkDown("etcd let this node's lease expire");
                            }
                            // A member that lost its quorum may still renew leases it led; a
                            // linearizable read needs the quorum.
                            auto read = [this, lease](const std::string& error, const json&) {
                                if (!status_.connected || lease != lease_) {
                                    return;
                                }
                                if (!error.empty()) {
                                    return onKeepAliveFailed("quorum read: " + error);
                                }
                                last_keepalive_ = std::chrono::steady_clock::now();
                                if (endpoint_ % settings_.etcd.size() != watch_endpoint_) {
                                    restartWatch(
                                        "the calls moved to " +
                                            settings_.etcd[endpoint_ % settings_.etcd.size()].url,
                                        false);
                                }
                                vote_.publish();
                                sendState();
                            };
                            etcd_.range(callEndpoint(), votesPrefix() + settings_.node,
                                        KeySpan::One, true, handled(read));
                        }));
    });
}

void ClusterLink::onKeepAliveFailed(const std::string& error) {
    if (std::chrono::steady_clock::now() - last_keepalive_ > std::chrono::milliseconds(ttlMs())) {
        linkDown("etcd unreachable: " + error);
    }
}

void ClusterLink::linkUp() {
    connecting_ = false;
    status_.connected = true;
    status_.since_ms = base::realtimeMs();
    status_.endpoint = settings_.etcd[endpoint_ % settings_.etcd.size()].url;
    last_keepalive_ = std::chrono::steady_clock::now();
    down_logged_ = false;
    PHAROS_LOG(Info, "cluster: node " << settings_.node << " connected to etcd at "
                                      << status_.endpoint << "; " << book_.liveNodes().size()
                                      << " nodes voting");
}

void ClusterLink::linkDown(const std::string& why) {
    if (watch_) {
        ++watch_generation_;  // its end is not news
        watch_->cancel();
        watch_.reset();
    }
    rewatch_.cancel();
    bool was = status_.connected;
    status_.connected = false;
    if (was) {
        status_.since_ms = base::realtimeMs();
    }
    if (book_.keepOnly(settings_.node)) {
        hooks_.votes_changed();
    }
    retryLater(why);
}

void ClusterLink::retryLater(const std::string& why) {
    connecting_ = false;
    status_.last_error = why;
    if (!down_logged_) {
        down_logged_ = true;
        ++status_.failures;
        PHAROS_LOG(Warning, "cluster: " << why
                                        << "; deciding alone with the last shared state until "
                                           "etcd is back");
    }
    retry_.expires_after(kRetryAfter);
    retry_.async_wait([this](const boost::system::error_code& e) {
        if (!e) {
            connect();
        }
    });
}

}  // namespace pharos::cluster
