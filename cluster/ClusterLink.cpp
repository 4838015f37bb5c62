#include "cluster/ClusterLink.hpp"

#include <time.h>

#include <algorithm>

#include "cluster/Base64.hpp"
#include "conf/Log.hpp"

namespace pharos::cluster {
namespace {

namespace asio = boost::asio;
using nlohmann::json;

constexpr auto kCallTimeout = std::chrono::milliseconds(1000);
constexpr auto kRetryAfter = std::chrono::milliseconds(1000);
constexpr size_t kOpsPerTxn = 100;  // etcd refuses more than 128 by default

int64_t nowMs() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// etcd's range_end for "every key that starts with prefix".
std::string prefixEnd(std::string prefix) {
    prefix.back() = char(prefix.back() + 1);  // prefixes end with '/', never with 0xff
    return prefix;
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

std::shared_ptr<asio::ssl::context> makeTls(const conf::ClusterSettings& s) {
    bool https = std::any_of(s.etcd.begin(), s.etcd.end(),
                             [](const conf::EtcdEndpoint& e) { return e.scheme == "https"; });
    if (!https) {
        return nullptr;
    }
    auto tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    tls->set_verify_mode(asio::ssl::verify_peer);
    try {
        if (s.ca_file.empty()) {
            tls->set_default_verify_paths();
        } else {
            tls->load_verify_file(s.ca_file);
        }
        if (!s.cert_file.empty()) {
            tls->use_certificate_chain_file(s.cert_file);
            tls->use_private_key_file(s.key_file, asio::ssl::context::pem);
        }
    } catch (const boost::system::system_error& e) {
        throw std::runtime_error("cluster.tls: " + std::string(e.what()));
    }
    return tls;
}

}  // namespace

ClusterLink::ClusterLink(asio::io_context& io, conf::ClusterSettings settings, Hooks hooks)
    : io_(io),
      settings_(std::move(settings)),
      hooks_(std::move(hooks)),
      tls_(makeTls(settings_)),
      keepalive_(io),
      retry_(io) {
    own_.site = settings_.site;
    status_.since_ms = nowMs();
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
    if (watch_) {
        watch_->cancel();
        watch_.reset();
    }
}

void ClusterLink::call(const std::string& path, const json& body, CallDone done) {
    const auto& endpoint = settings_.etcd[endpoint_ % settings_.etcd.size()];
    etcdCall(io_, endpoint, tls_, "/v3/" + path, body, kCallTimeout,
             [this, alive = alive_, done = std::move(done)](const std::string& error,
                                                            const json& reply) {
                 if (!*alive) {
                     return;
                 }
                 if (!error.empty()) {  // the next call tries the next endpoint
                     endpoint_ = (endpoint_ + 1) % settings_.etcd.size();
                 }
                 done(error, reply);
             });
}

void ClusterLink::connect() {
    if (connecting_ || status_.connected) {
        return;
    }
    connecting_ = true;
    status_.endpoint = settings_.etcd[endpoint_ % settings_.etcd.size()].url;
    int64_t ttl = int64_t(settings_.lease_ttl.count());
    call("lease/grant", {{"TTL", ttl}},
         [this](const std::string& error, const json& reply) { onGranted(error, reply); });
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
    json range = {{"key", toBase64(settings_.prefix)},
                  {"range_end", toBase64(prefixEnd(settings_.prefix))}};
    call("kv/range", range, [this](const std::string& error, const json& reply) {
        if (!error.empty()) {
            return retryLater("read: " + error);
        }
        const json& kvs = reply.contains("kvs") ? reply["kvs"] : json::array();
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
        status_.revision = number(reply["header"], "revision");
        startWatch(status_.revision + 1);
        linkUp();
        vote_dirty_ = true;  // under the new lease
        publishVote();
        if (std::exchange(seeded_here_, false)) {
            pushState(hooks_.local_state());
        } else {
            adoptState();
        }
        hooks_.votes_changed();
    });
}

// A new cluster (nothing under the prefix yet) starts from the state of the first node that
// reaches it, so moving standalone nodes into a cluster keeps their drains and holders; every
// later node, and this one after a reconnection, adopts the cluster's. The marker is created
// once: of two nodes racing, one wins and the other adopts.
void ClusterLink::seed() {
    json marker = {{"node", settings_.node}, {"at_ms", nowMs()}};
    json txn = {
        {"compare",
         {{{"key", toBase64(seedKey())}, {"target", "CREATE"}, {"create_revision", "0"}}}},
        {"success",
         {{{"request_put", {{"key", toBase64(seedKey())}, {"value", toBase64(marker.dump())}}}}}}};
    call("kv/txn", txn, [this](const std::string& error, const json& reply) {
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
    });
}

void ClusterLink::startWatch(int64_t from_revision) {
    json create = {{"create_request",
                    {{"key", toBase64(settings_.prefix)},
                     {"range_end", toBase64(prefixEnd(settings_.prefix))},
                     {"start_revision", std::to_string(from_revision)}}}};
    uint64_t generation = ++watch_generation_;
    const auto& endpoint = settings_.etcd[endpoint_ % settings_.etcd.size()];
    watch_ = etcdStream(
        io_, endpoint, tls_, "/v3/watch", create, std::chrono::milliseconds(2000),
        [this, alive = alive_, generation](const json& message) {
            if (*alive && generation == watch_generation_) {
                onWatchMessage(message);
            }
        },
        [this, alive = alive_, generation](const std::string& why) {
            if (*alive && generation == watch_generation_) {
                linkDown("watch: " + why);
            }
        });
}

void ClusterLink::onWatchMessage(const json& message) {
    const json& result = message.contains("result") ? message["result"] : json();
    if (!result.is_object()) {
        return linkDown("watch: " + message.value("error", json(message)).dump());
    }
    if (result.value("canceled", false)) {  // e.g. compacted past our revision: read again
        return linkDown("watch cancelled: " + result.value("cancel_reason", std::string()));
    }
    if (!result.contains("events")) {
        return;
    }
    bool votes = false, state = false;
    for (const auto& event : result["events"]) {
        const json& kv = event.contains("kv") ? event["kv"] : json();
        std::string key = fromBase64(kv.value("key", std::string())).value_or("");
        votes |= key.rfind(votesPrefix(), 0) == 0;
        state |= key.rfind(statePrefix(), 0) == 0;
        // PUT is protobuf's 0, which JSON leaves out.
        applyKv(kv, event.value("type", std::string()) == "DELETE");
    }
    status_.revision = std::max(status_.revision, number(result["header"], "revision"));
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
        json vote = json::parse(*value, nullptr, false);
        if (!vote.is_object() || !vote.contains("down") || !vote["down"].is_array()) {
            PHAROS_LOG(Warning, "cluster: ignoring node " << node << "'s malformed vote");
            return;
        }
        NodeVote v;
        v.site = vote.value("site", std::string());
        v.ready = vote.value("ready", false);
        for (const auto& member : vote["down"]) {
            if (member.is_array() && member.size() == 2 && member[0].is_string() &&
                member[1].is_string()) {
                v.down.insert(voteKey(member[0].get<std::string>(), member[1].get<std::string>()));
            }
        }
        book_.set(node, std::move(v));
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

// The state as etcd has it, read back through the admin-state file's parser, so what another
// node wrote is checked as strictly as the file is.
void ClusterLink::adoptState() {
    if (state_in_flight_) {
        adopt_pending_ = true;  // this node's write may be older than what it is about to say
        return;
    }
    adopt_pending_ = false;
    json doc = {{"version", 2},
                {"overrides", json::array()},
                {"holders", json::array()},
                {"approvals", json::array()}};
    for (const auto& [key, value] : state_) {
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

bool ClusterLink::pushState(const admin::AdminState& state) {
    wanted_ = state;
    state_dirty_ = true;
    if (!status_.connected) {
        return false;
    }
    sendState();
    return true;
}

// One transaction at a time, of the keys that differ from what etcd has; a newer state asked
// for meanwhile is sent when it returns.
void ClusterLink::sendState() {
    if (state_in_flight_ || !state_dirty_ || !status_.connected) {
        return;
    }
    state_dirty_ = false;
    auto wanted = stateKeys(wanted_);
    json ops = json::array();
    std::vector<std::pair<std::string, std::optional<std::string>>> writes;
    for (const auto& [key, value] : wanted) {
        auto it = state_.find(key);
        if ((it == state_.end() || it->second != value) && writes.size() < kOpsPerTxn) {
            ops.push_back({{"request_put", {{"key", toBase64(key)}, {"value", toBase64(value)}}}});
            writes.emplace_back(key, value);
        }
    }
    for (const auto& [key, value] : state_) {
        if (!wanted.count(key) && writes.size() < kOpsPerTxn) {
            ops.push_back({{"request_delete_range", {{"key", toBase64(key)}}}});
            writes.emplace_back(key, std::nullopt);
        }
    }
    if (writes.empty()) {
        return;
    }
    state_dirty_ = writes.size() == kOpsPerTxn;  // more to write after this one
    state_in_flight_ = true;
    call("kv/txn", {{"success", ops}}, [this, writes](const std::string& error, const json& reply) {
        state_in_flight_ = false;
        if (!error.empty()) {
            state_dirty_ = true;  // again at the next keepalive, or lost with the link
            PHAROS_LOG(Warning, "cluster: shared state not written to etcd: " << error);
        } else {
            int64_t revision = number(reply["header"], "revision");
            for (const auto& [key, value] : writes) {
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
        sendState();
    });
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

void ClusterLink::resetOwn(std::unordered_set<std::string> down, bool ready) {
    own_.down = std::move(down);
    own_.ready = ready;
    ownChanged();
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
    vote_in_flight_ = true;
    json down = json::array();
    for (const auto& key : own_.down) {
        size_t newline = key.find('\n');
        down.push_back({key.substr(0, newline), key.substr(newline + 1)});
    }
    json vote = {{"site", own_.site}, {"ready", own_.ready}, {"down", down}, {"at_ms", nowMs()}};
    json put = {{"key", toBase64(votesPrefix() + settings_.node)},
                {"value", toBase64(vote.dump())},
                {"lease", lease_}};
    call("kv/put", put, [this](const std::string& error, const json&) {
        vote_in_flight_ = false;
        if (!error.empty()) {
            vote_dirty_ = true;  // again at the next keepalive
            PHAROS_LOG(Warning, "cluster: this node's vote not written to etcd: " << error);
        }
        publishVote();
    });
}

// Every third of the lease's TTL. A TTL without one success takes the link down: the other
// nodes stop counting this one's vote then, and this one theirs.
void ClusterLink::keepAlive() {
    auto every = std::chrono::milliseconds(int64_t(settings_.lease_ttl.count() * 1000 / 3));
    keepalive_.expires_after(every);
    keepalive_.async_wait([this](const boost::system::error_code& e) {
        if (e) {
            return;
        }
        keepAlive();
        if (!status_.connected) {
            return;
        }
        call("lease/keepalive", {{"ID", lease_}}, [this](const std::string& error, const json& r) {
            const json& result = r.contains("result") ? r["result"] : r;
            if (error.empty() && number(result, "TTL") <= 0) {
                return linkDown("etcd let this node's lease expire");
            }
            if (!error.empty()) {
                return onKeepAliveFailed(error);
            }
            // A member that lost its quorum may still renew leases it led; a linearizable read
            // needs the quorum.
            json read = {{"key", toBase64(votesPrefix() + settings_.node)}, {"count_only", true}};
            call("kv/range", read, [this](const std::string& error, const json&) {
                if (!error.empty()) {
                    return onKeepAliveFailed("quorum read: " + error);
                }
                last_keepalive_ms_ = nowMs();
                publishVote();
                sendState();
            });
        });
    });
}

void ClusterLink::onKeepAliveFailed(const std::string& error) {
    if (status_.connected &&
        nowMs() - last_keepalive_ms_ > int64_t(settings_.lease_ttl.count() * 1000)) {
        linkDown("etcd unreachable: " + error);
    }
}

void ClusterLink::linkUp() {
    connecting_ = false;
    status_.connected = true;
    status_.since_ms = nowMs();
    last_keepalive_ms_ = status_.since_ms;
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
    bool was = status_.connected;
    status_.connected = false;
    if (was) {
        status_.since_ms = nowMs();
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
