#include "health/AdminStateKeeper.hpp"

#include <filesystem>

#include "base/Log.hpp"

namespace pharos::health {

AdminStateKeeper::AdminStateKeeper(boost::asio::io_context& io, const conf::Settings& settings,
                                   EventReporter& events)
    : io_(io), events_(events) {
    auto loaded = admin::loadAdminState(settings.admin_state);
    if (auto* state = std::get_if<admin::AdminState>(&loaded)) {
        state_ = std::move(*state);
        return;
    }
    for (const auto& e : std::get<std::vector<conf::ConfigError>>(loaded)) {
        broken_state_ += (broken_state_.empty() ? "" : "; ") + e.str();
    }
    PHAROS_LOG(Error, "ADMIN OVERRIDES NOT LOADED: " << broken_state_
                                                     << "; probing with no overrides. The "
                                                        "file is kept until the next "
                                                        "pharosctl command replaces it.");
}

AdminStateKeeper::~AdminStateKeeper() {
    *alive_ = false;
}

const admin::Override* AdminStateKeeper::overrideOf(const conf::Pool& pool, uint32_t member) const {
    return state_.overrides.find(pool.name, conf::memberTarget(pool.members[member]));
}

state::AdminOverride AdminStateKeeper::adminOf(const conf::Pool& pool, uint32_t member) const {
    const admin::Override* o = overrideOf(pool, member);
    return o ? o->action : state::AdminOverride::None;
}

bool AdminStateKeeper::commit(const conf::Settings& s, admin::AdminState next, std::string& error) {
    if (cluster_ && !cluster_->status().connected) {
        // Taken here alone, the change would be undone by the cluster's state when etcd is
        // back, and the other nodes would answer without it meanwhile.
        error = "the cluster's etcd cannot be reached (" + cluster_->status().last_error +
                "): a change made on this node alone would not reach the others; nothing was "
                "changed";
        return false;
    }
    setAsideUnreadable(s);
    try {
        admin::saveAdminState(s.admin_state, next, s.control_group);
    } catch (const std::exception& e) {
        error = std::string(e.what()) + "; nothing was changed";
        PHAROS_LOG(Error, "admin override not saved: " << error);
        return false;
    }
    state_ = std::move(next);
    share();
    if (replaced_) {
        replaced_();
    }
    return true;
}

// Until the file is written a restart re-derives the same records from the holds in the table.
void AdminStateKeeper::saveSoon(const conf::Settings& s, const char* why) {
    if (!broken_state_.empty()) {
        // The operator's unreadable file stays where it is until a pharosctl command (which
        // moves it aside); what the policies decide meanwhile lives in the table.
        PHAROS_LOG(Error, "DR policy records not saved (" << why << "): " << s.admin_state
                                                          << " could not be read at start");
        return;
    }
    if (save_pending_) {
        return;
    }
    save_pending_ = true;
    boost::asio::post(io_, [this, path = s.admin_state, group = s.control_group, alive = alive_] {
        if (!*alive) {
            return;
        }
        save_pending_ = false;
        share();  // the policies' records are the cluster's too
        try {
            admin::saveAdminState(path, state_, group);
        } catch (const std::exception& failure) {
            // The decision stands (a probe result cannot be refused); a restart before the
            // next save re-derives it from the table, so say so loudly.
            PHAROS_LOG(Error, "admin-state file not updated: " << failure.what());
        }
    });
}

// The admin-state file keeps the cluster's state for a restart that finds etcd unreachable.
void AdminStateKeeper::adopt(const conf::Settings& settings, admin::AdminState shared) {
    if (shared == state_) {
        shared_ = std::move(shared);  // what later changes are measured against
        return;
    }
    PHAROS_LOG(Info,
               "cluster: shared state changed: " << shared.overrides.all().size() << " overrides, "
                                                 << shared.policy.holders.size() << " held pools, "
                                                 << shared.policy.approvals.size() << " approvals");
    state_ = std::move(shared);
    shared_ = state_;
    setAsideUnreadable(settings);  // the cluster's state supersedes it
    if (replaced_) {
        replaced_();
    }
    saveSoon(settings, "shared state from the cluster");
}

bool AdminStateKeeper::expire(const conf::Settings& settings, int64_t now_ms) {
    if (state_.overrides.expire(now_ms).empty()) {
        return false;
    }
    // The override ends anyway; on a restart it would be read back already over.
    saveSoon(settings, "an override ended");
    return true;
}

void AdminStateKeeper::publishOverrides(ProbeRun& run, const conf::Pool& pool) {
    for (uint32_t i = 0; i < pool.members.size(); ++i) {
        state::AdminOverride was = run.table().read(pool.first_slot + i).admin;
        if (run.setAdmin(pool.first_slot + i, adminOf(pool, i))) {
            events_.adminChanged(pool, i, was, overrideOf(pool, i));
        }
    }
}

// Sends the cluster what changed in state_ since it was last shared. A change made while etcd
// cannot be reached stays this node's: the cluster's state replaces it when etcd is back.
void AdminStateKeeper::share() {
    if (cluster_) {
        cluster_->pushChange(shared_, state_);
        shared_ = state_;
    }
}

// Keeps what the operator had before the first save replaces it: an admin-state file that
// could not be read at start moves aside rather than vanish.
void AdminStateKeeper::setAsideUnreadable(const conf::Settings& s) {
    if (broken_state_.empty()) {
        return;
    }
    std::error_code ignored;
    std::filesystem::rename(s.admin_state, s.admin_state + ".unreadable", ignored);
    PHAROS_LOG(Warning, "moved the unreadable " << s.admin_state << " to " << s.admin_state
                                                << ".unreadable");
    broken_state_.clear();
}

}  // namespace pharos::health
