#pragma once
// This node's link to the cluster's etcd (docs/CLUSTER.md), on the prober's io_context:
//   - a lease, kept alive every third of its TTL: this node's vote lives under it, so a node
//     that dies or is cut off loses its say within the TTL;
//   - this node's vote, prefix/votes/<node>: the members its prober sees down
//     (cluster/VotePublisher);
//   - the shared admin state, one key per override, holder and approval under prefix/state/
//     (cluster/StateCodec), written by the node whose pharosctl or policy changed it
//     (cluster/StateMirror keeps what etcd holds and what this node sends);
//   - one watch on the prefix, which brings the other nodes' votes and state changes.
// When etcd cannot be reached for a TTL the link forgets the other nodes' votes (each node
// then decides alone) and keeps the last state it knew; it reconnects by itself and reads
// everything again.
#include <boost/asio.hpp>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "admin/AdminStateFile.hpp"
#include "cluster/EtcdClient.hpp"
#include "cluster/EtcdReplies.hpp"
#include "cluster/StateMirror.hpp"
#include "cluster/VotePublisher.hpp"
#include "conf/Config.hpp"
#include "state/VoteBook.hpp"

namespace pharos::cluster {

struct LinkStatus {
    bool connected = false;
    int64_t since_ms = 0;    // of the last change between connected and not
    uint64_t failures = 0;   // times the link was lost (or could not be made)
    std::string last_error;  // why, the last time
    std::string endpoint;    // the etcd endpoint in use
    int64_t revision = 0;    // of the last state seen
};

class ClusterLink {
  public:
    struct Hooks {
        // etcd's admin state (with this node's changes not written yet laid over it), at the
        // first read after each connection and at each change.
        std::function<void(admin::AdminState)> shared_state;
        // The votes of other nodes changed (or were forgotten).
        std::function<void()> votes_changed;
        // This node's state, which the first node of a new cluster brings into it.
        std::function<admin::AdminState()> local_state;
    };
    // Throws std::runtime_error when the TLS files cannot be read.
    ClusterLink(boost::asio::io_context& io, conf::ClusterSettings settings, Hooks hooks);
    ~ClusterLink();
    void start();
    void stop();

    // This node's own verdicts (its prober's, not combined with anyone's), published once per
    // turn of the event loop when they change: one member's, whether every member has one,
    // and all of them at once with the configuration's layout (a start or a reload: only nodes
    // with the same pools and members count each other's votes).
    void ownVerdict(const std::string& vote_key, bool down);
    void ownReady(bool ready);
    void resetOwn(std::unordered_set<std::string> down, bool ready, uint64_t layout);
    // Writes the keys that differ between `before` and `after`, and only those: another node's
    // change to another key is never undone by this one's. False, and nothing queued, when
    // the link is down: a change taken alone is replaced by the cluster's state when it is
    // back. Queued changes outlive a lost link and are sent when it is back.
    bool pushChange(const admin::AdminState& before, const admin::AdminState& after);

    const state::VoteBook& votes() const { return book_; }
    const LinkStatus& status() const { return status_; }
    const conf::ClusterSettings& settings() const { return settings_; }

  private:
    void connect();
    void onGranted(const std::string& error, const nlohmann::json& reply);
    void readAll();
    void seed();
    void startWatch(int64_t from_revision);
    void restartWatch(const std::string& why, bool next_endpoint);
    void onWatchMessage(const nlohmann::json& message);
    void applyKv(const EtcdKv& kv);
    void adoptState();
    void keepAlive();
    void onKeepAliveFailed(const std::string& error);
    void putVote(const std::string& text, std::function<void(const std::string& error)> done);
    void sendState();
    void onStateWritten(const std::string& error, const nlohmann::json& reply);
    void linkUp();
    void linkDown(const std::string& why);
    void retryLater(const std::string& why);
    const conf::EtcdEndpoint& callEndpoint() const;
    // `done` for a call: not after stop(), the next endpoint after a failure, guarded.
    CallDone handled(CallDone done);
    void guarded(const std::function<void()>& handle);
    std::string votesPrefix() const { return settings_.prefix + "votes/"; }
    std::string statePrefix() const { return settings_.prefix + "state/"; }
    std::string seedKey() const { return settings_.prefix + "initialized"; }
    int64_t ttlMs() const { return int64_t(settings_.lease_ttl.count() * 1000); }

    conf::ClusterSettings settings_;
    Hooks hooks_;
    EtcdClient etcd_;
    size_t endpoint_ = 0;  // of settings_.etcd: the one calls go to; the next after a failure
    boost::asio::steady_timer keepalive_;
    boost::asio::steady_timer retry_;
    boost::asio::steady_timer rewatch_;
    std::shared_ptr<StreamHandle> watch_;
    size_t watch_endpoint_ = 0;
    uint64_t watch_generation_ = 0;
    std::string lease_;  // etcd's lease ID, as its JSON gives it (a decimal string)
    std::chrono::steady_clock::time_point last_keepalive_;
    bool connecting_ = false;
    bool down_logged_ = false;  // the link's loss was logged and counted
    state::VoteBook book_;
    VotePublisher vote_;  // this node's, in book_ and in etcd
    StateMirror mirror_;  // the keys under prefix/state/: etcd's and this node's changes
    bool adopt_pending_ = false;
    bool seeded_here_ = false;  // this node just created the cluster's state: it pushes its own
    LinkStatus status_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace pharos::cluster
