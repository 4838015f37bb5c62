#pragma once
// The admin state pharos-health owns (docs/ARCHITECTURE.md, "State and control"): the
// operators' overrides and the DR policies' records. Read from the admin-state file at start;
// a command's change is saved before it is taken (commit), the policies' records once per turn
// of the event loop (saveSoon); in a cluster both are shared through etcd and what the cluster
// decides replaces them (adopt). It publishes the overrides of the pools no DR policy governs
// (PolicyDriver publishes the others' with their holds) and ends overrides at their --until.
#include <boost/asio.hpp>
#include <functional>
#include <memory>
#include <string>

#include "admin/AdminStateFile.hpp"
#include "cluster/ClusterLink.hpp"
#include "conf/Config.hpp"
#include "health/EventReporter.hpp"
#include "health/ProbeRun.hpp"

namespace pharos::health {

class AdminStateKeeper {
  public:
    // Reads settings.admin_state. An unreadable file is logged and left where it is
    // (unreadable() says why) until a command's save moves it aside; meanwhile there are no
    // overrides and nothing is saved.
    AdminStateKeeper(boost::asio::io_context& io, const conf::Settings& settings,
                     EventReporter& events);
    ~AdminStateKeeper();
    AdminStateKeeper(const AdminStateKeeper&) = delete;
    AdminStateKeeper& operator=(const AdminStateKeeper&) = delete;

    // The cluster the state is shared with; none: standalone.
    void shareWith(cluster::ClusterLink* cluster) { cluster_ = cluster; }
    // Runs when a command or the cluster replaced the state, before commit or adopt returns:
    // its owner decides the DR policies again and publishes every override.
    void onReplaced(std::function<void()> hook) { replaced_ = std::move(hook); }

    const admin::AdminState& state() const { return state_; }
    // The DR policies' records, which PolicyDriver decides (and saves with saveSoon).
    admin::PolicyRecords& records() { return state_.policy; }
    // Why the admin-state file could not be read at start; empty when it could.
    const std::string& unreadable() const { return broken_state_; }
    // A member's override; null when it has none.
    const admin::Override* overrideOf(const conf::Pool& pool, uint32_t member) const;
    state::AdminOverride adminOf(const conf::Pool& pool, uint32_t member) const;

    // Saves `next`, then makes it the state; false (and `error`) when it could not be saved
    // or, in a cluster, etcd cannot be reached: nothing changed then.
    bool commit(const conf::Settings& settings, admin::AdminState next, std::string& error);
    // Saves the state once the decisions of this turn of the event loop are made: a site
    // outage changes many pools at once, and one write covers them all.
    void saveSoon(const conf::Settings& settings, const char* why);
    // What another node's pharosctl or policies changed (or, after a reconnection, what the
    // cluster decided meanwhile) replaces this node's state.
    void adopt(const conf::Settings& settings, admin::AdminState shared);
    // Ends the overrides whose --until has passed by `now_ms` and saves; true when any did
    // (the caller publishes again).
    bool expire(const conf::Settings& settings, int64_t now_ms);
    // Writes the override (or none) of every member of `pool`, which no DR policy governs,
    // into its verdict word; tells each change.
    void publishOverrides(ProbeRun& run, const conf::Pool& pool);

  private:
    void share();
    void setAsideUnreadable(const conf::Settings& settings);

    boost::asio::io_context& io_;
    EventReporter& events_;
    cluster::ClusterLink* cluster_ = nullptr;
    std::function<void()> replaced_;
    admin::AdminState state_;
    admin::AdminState shared_;   // state_ as last shared with the cluster (sent or adopted)
    std::string broken_state_;   // why the admin-state file could not be read at start, if so
    bool save_pending_ = false;  // a save of the records is posted
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace pharos::health
