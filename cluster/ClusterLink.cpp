#include "cluster/ClusterLink.hpp"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "base/Clock.hpp"
#include "base/Log.hpp"
#include "cluster/Base64.hpp"
#include "cluster/VoteCodec.hpp"

namespace pharos::cluster {
namespace {

namespace asio = boost::asio;
using nlohmann::json;

constexpr auto kRetryAfter = std::chrono::milliseconds(500);
constexpr size_t kOpsPerTxn = 100;  // etcd refuses more than 128 by default

// A member of an object, or null: const operator[] on a missing key is undefined.
const json& field(const json& object, const char* key) {
    static const json none;
    if (!object.is_object()) {
        return none;
    }
    auto it = object.find(key);
    return it == object.end() ? none : *it;
}

// The gateway writes 64-bit numbers as strings.
int64_t number(const json& object, const char* key) {
    if (!object.is_object() || !object.contains(key)) {
        return 0;
    }
    const json& v = object[key];
    if (v.is_number_integer()) {
        return v.get<int64_t>();
    }
    if (v.is_string()) {
        try {
            return std::stoll(v.get<std::string>());
        } catch (const std::exception&) {
        }
    }
    return 0;
}

// A pool name may hold '/', which would split the key.
std::string keyPart(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '%' || c == '/') {
            static const char hex[] = "0123456789ABCDEF";
            out += '%';
            out += hex[uint8_t(c) >> 4];
            out += hex[uint8_t(c) & 15];
        } else {
            out += c;
        }
    }
    return out;
}

// The vote of a node that sees this many members down would not fit in one etcd request
// (1.5 MiB by default); it is replaced by a vote that does not count.
constexpr size_t kMaxVoteBytes = 1 << 20;

}  // namespace

ClusterLink::ClusterLink(asio::io_context& io, conf::ClusterSettings settings, Hooks hooks)
    : io_(io),
      settings_(std::move(settings)),
      hooks_(std::move(hooks)),
      etcd_(io, settings_),
      keepalive_(io),
      retry_(io),
      rewatch_(io) {
    own_.site = settings_.site;
    status_.since_ms = base::realtimeMs();
    status_.endpoint = settings_.etcd.front().url;
}

ClusterLink::~ClusterLink() {
    stop();
}

void ClusterLink::start() {
    book_.set(settings_.node, own_);
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
    if (!error.empty() || number(reply, "TTL") <= 0) {
        return retryLater("lease: " + (error.empty() ? reply.value("error", "refused") : error));
    }
    lease_ = std::to_string(number(reply, "ID"));
    readAll();
}

// Everything under the prefix, then a watch from just after it: nothing falls between.
void ClusterLink::readAll() {
    auto read = [this](const std::string& error, const json& reply) {
        if (!error.empty()) {
            return retryLater("read: " + error);
        }
        const json& kvs = field(reply, "kvs");
        bool seeded = std::any_of(kvs.begin(), kvs.end(), [&](const json& kv) {
            return fromBase64(kv.value("key", std::string())) == seedKey();
        });
        if (!seeded) {
            return seed();
        }
        book_.keepOnly(settings_.node);
        state_.clear();
        state_revision_.clear();
        for (const auto& kv : kvs) {
            applyKv(kv, false);
        }
        status_.revision = number(field(reply, "header"), "revision");
        startWatch(status_.revision + 1);
        linkUp();
        vote_dirty_ = true;  // under the new lease
        publishVote();
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
        seeded_here_ = reply.value("succeeded", false);
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
    const json& result = field(message, "result");
    if (!result.is_object()) {
        return restartWatch("watch: " + message.value("error", json(message)).dump(), true);
    }
    if (result.value("canceled", false)) {
        std::string why = "watch cancelled: " + result.value("cancel_reason", std::string());
        // Compacted past the last revision seen: the events in between are gone, read
        // everything again. Otherwise (a member without a leader) watch elsewhere.
        return number(result, "compact_revision") > 0 ? linkDown(why) : restartWatch(why, true);
    }
    if (!result.contains("events")) {
        return;
    }
    bool votes = false, state = false;
    for (const auto& event : field(result, "events")) {
        const json& kv = field(event, "kv");
        std::string key = fromBase64(kv.value("key", std::string())).value_or("");
        votes |= key.rfind(votesPrefix(), 0) == 0;
        state |= key.rfind(statePrefix(), 0) == 0;
        // PUT is protobuf's 0, which JSON leaves out.
        applyKv(kv, event.value("type", std::string()) == "DELETE");
    }
    status_.revision = std::max(status_.revision, number(field(result, "header"), "revision"));
    if (state) {
        adoptState();
    }
    if (votes) {
        hooks_.votes_changed();
    }
}

void ClusterLink::applyKv(const json& kv, bool deleted) {
    auto key = fromBase64(kv.value("key", std::string()));
    auto value = fromBase64(kv.value("value", std::string()));
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
        int64_t revision = number(kv, "mod_revision");
        if (revision != 0 && revision < state_revision_[*key]) {
            return;  // older than what this node wrote since
        }
        state_revision_[*key] = revision;
        if (deleted) {
            state_.erase(*key);
        } else {
            state_[*key] = *value;
        }
    }
}

// The state as etcd has it with this node's changes not written yet laid over it, read back
// through the admin-state file's parser, so what another node wrote is checked as strictly as
// the file is. Not while a write is on its way: etcd's view may be older than what it says.
void ClusterLink::adoptState() {
    if (!in_flight_.empty()) {
        adopt_pending_ = true;
        return;
    }
    adopt_pending_ = false;
    std::map<std::string, std::string> view = state_;
    for (const auto& [key, value] : pending_) {
        if (value) {
            view[key] = *value;
        } else {
            view.erase(key);
        }
    }
    json doc = {{"version", 2},
                {"overrides", json::array()},
                {"holders", json::array()},
                {"approvals", json::array()}};
    for (const auto& [key, value] : view) {
        std::string kind = key.substr(statePrefix().size());
        kind = kind.substr(0, kind.find('/'));
        json entry = json::parse(value, nullptr, false);
        std::string list = kind == "override" ? "overrides" : kind + "s";
        if (!entry.is_object() || !doc.contains(list)) {
            PHAROS_LOG(Warning, "cluster: ignoring malformed state key " << key);
            continue;
        }
        doc[list].push_back(std::move(entry));
    }
    auto loaded = admin::parseAdminState(doc.dump(), "etcd " + statePrefix());
    if (auto* errors = std::get_if<std::vector<conf::ConfigError>>(&loaded)) {
        PHAROS_LOG(Error, "cluster: the shared state in etcd is not valid, kept the last good one: "
                              << errors->front().str());
        return;
    }
    hooks_.shared_state(std::get<admin::AdminState>(std::move(loaded)));
}

std::map<std::string, std::string> ClusterLink::stateKeys(const admin::AdminState& state) const {
    json doc = admin::adminStateJson(state);
    std::map<std::string, std::string> out;
    auto add = [&](const char* list, const char* kind, bool per_member) {
        for (const auto& entry : doc[list]) {
            std::string key = statePrefix() + kind + "/" + keyPart(entry["pool"]);
            if (per_member) {
                key += "/" + keyPart(entry["address"]);
            }
            out[key] = entry.dump();
        }
    };
    add("overrides", "override", true);
    add("holders", "holder", false);
    add("approvals", "approval", true);
    return out;
}

bool ClusterLink::pushChange(const admin::AdminState& before, const admin::AdminState& after) {
    if (!status_.connected) {
        return false;
    }
    auto was = stateKeys(before);
    auto is = stateKeys(after);
    for (const auto& [key, value] : is) {
        auto it = was.find(key);
        if (it == was.end() || it->second != value) {
            pending_[key] = value;
        }
    }
    for (const auto& [key, value] : was) {
        if (!is.count(key)) {
            pending_[key] = std::nullopt;
        }
    }
    sendState();
    return true;
}

// One transaction at a time; changes made meanwhile go in the next one.
void ClusterLink::sendState() {
    if (!in_flight_.empty() || pending_.empty() || !status_.connected) {
        return;
    }
    EtcdTxn txn;
    while (!pending_.empty() && in_flight_.size() < kOpsPerTxn) {
        auto node = pending_.extract(pending_.begin());
        txn.writes.push_back({node.key(), node.mapped()});
        in_flight_.insert(std::move(node));
    }
    etcd_.txn(callEndpoint(), txn, handled([this](const std::string& error, const json& reply) {
                  onStateWritten(error, reply);
              }));
}

void ClusterLink::onStateWritten(const std::string& error, const json& reply) {
    Ops written = std::exchange(in_flight_, {});
    if (!error.empty()) {
        // Sent again after the next keepalive; a newer change to the same key wins.
        for (auto& [key, value] : written) {
            pending_.try_emplace(key, std::move(value));
        }
        PHAROS_LOG(Warning, "cluster: shared state not written to etcd: " << error);
    } else {
        int64_t revision = number(field(reply, "header"), "revision");
        for (const auto& [key, value] : written) {
            if (state_revision_[key] > revision) {
                continue;  // another node's write after this one, seen already
            }
            state_revision_[key] = revision;
            if (value) {
                state_[key] = *value;
            } else {
                state_.erase(key);
            }
        }
    }
    if (adopt_pending_) {
        adoptState();
    }
    if (error.empty()) {
        sendState();
    }
}

void ClusterLink::ownVerdict(const std::string& vote_key, bool down) {
    bool changed = down ? own_.down.insert(vote_key).second : own_.down.erase(vote_key) > 0;
    if (changed) {
        ownChanged();
    }
}

void ClusterLink::ownReady(bool ready) {
    if (own_.ready != ready) {
        own_.ready = ready;
        ownChanged();
    }
}

void ClusterLink::resetOwn(std::unordered_set<std::string> down, bool ready, uint64_t layout) {
    own_.down = std::move(down);
    own_.ready = ready;
    own_.layout = layout;
    book_.setLayout(layout);
    ownChanged();
    hooks_.votes_changed();  // the nodes that count may be others now
}

// The book has this node's vote at once (this node's answers use it now); etcd gets it once
// per turn of the loop, however many members changed in it.
void ClusterLink::ownChanged() {
    book_.set(settings_.node, own_);
    vote_dirty_ = true;
    if (vote_posted_) {
        return;
    }
    vote_posted_ = true;
    asio::post(io_, [this, alive = alive_] {
        if (*alive) {
            vote_posted_ = false;
            publishVote();
        }
    });
}

void ClusterLink::publishVote() {
    if (!status_.connected || vote_in_flight_ || !vote_dirty_) {
        return;
    }
    vote_dirty_ = false;
    std::string text = encodeVote(own_, base::realtimeMs());
    if (text.size() > kMaxVoteBytes) {
        if (!vote_too_large_logged_) {
            vote_too_large_logged_ = true;
            PHAROS_LOG(Error, "cluster: this node sees " << own_.down.size()
                                                         << " members down, too many for one "
                                                            "etcd value: it votes on none");
        }
        state::NodeVote none = own_;
        none.ready = false;
        none.down.clear();
        text = encodeVote(none, base::realtimeMs());
    }
    vote_in_flight_ = true;
    auto written = [this](const std::string& error, const json&) {
        vote_in_flight_ = false;
        if (!error.empty()) {
            vote_dirty_ = true;  // again after the next keepalive
            PHAROS_LOG(Warning, "cluster: this node's vote not written to etcd: " << error);
            return;
        }
        publishVote();  // a change that came while this one was on its way
    };
    etcd_.put(callEndpoint(), votesPrefix() + settings_.node, text, lease_, handled(written));
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
        auto renewed = [this, lease = lease_](const std::string& error, const json& r) {
            if (!status_.connected || lease != lease_) {
                return;  // an answer about a lease this node no longer uses
            }
            if (!error.empty()) {
                return onKeepAliveFailed(error);
            }
            // A stream's errors (no leader during an election) come in a 200 answer.
            if (!r.contains("result")) {
                return onKeepAliveFailed("keepalive: " + r.value("error", r).dump());
            }
            if (number(field(r, "result"), "TTL") <= 0) {
                return linkDown("etcd let this node's lease expire");
            }
            // A member that lost its quorum may still renew leases it led; a linearizable
            // read needs the quorum.
            auto read = [this, lease](const std::string& error, const json&) {
                if (!status_.connected || lease != lease_) {
                    return;
                }
                if (!error.empty()) {
                    return onKeepAliveFailed("quorum read: " + error);
                }
                last_keepalive_ = std::chrono::steady_clock::now();
                if (endpoint_ % settings_.etcd.size() != watch_endpoint_) {
                    restartWatch("the calls moved to " +
                                     settings_.etcd[endpoint_ % settings_.etcd.size()].url,
                                 false);
                }
                publishVote();
                sendState();
            };
            etcd_.range(callEndpoint(), votesPrefix() + settings_.node, KeySpan::One, true,
                        handled(read));
        };
        etcd_.keepAlive(callEndpoint(), lease_, handled(renewed));
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
