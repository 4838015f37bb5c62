#include "state/VoteBook.hpp"

namespace pharos::state {

using state::MemberState;

std::string voteKey(const std::string& pool, const std::string& target) {
    return pool + '\n' + target;  // neither holds a newline
}

MemberState quorumState(conf::HealthQuorum quorum, MemberState own, Tally t) {
    if (own == MemberState::Unknown || quorum == conf::HealthQuorum::Local || t.voters == 0) {
        return own;
    }
    bool down = false;
    switch (quorum) {
        case conf::HealthQuorum::Any:
            down = t.down >= 1;
            break;
        case conf::HealthQuorum::Majority:
            down = 2 * t.down > t.voters;
            break;
        case conf::HealthQuorum::All:
            down = t.down == t.voters;
            break;
        case conf::HealthQuorum::Local:
            break;
    }
    return down ? MemberState::Down : MemberState::Up;
}

bool VoteBook::set(const std::string& node, NodeVote vote) {
    auto it = nodes_.find(node);
    if (it != nodes_.end() && it->second == vote) {
        return false;
    }
    nodes_[node] = std::move(vote);
    return true;
}

bool VoteBook::remove(const std::string& node) {
    return nodes_.erase(node) > 0;
}

bool VoteBook::keepOnly(const std::string& keep) {
    bool changed = false;
    for (auto it = nodes_.begin(); it != nodes_.end();) {
        if (it->first != keep) {
            it = nodes_.erase(it);
            changed = true;
        } else {
            ++it;
        }
    }
    return changed;
}

Tally VoteBook::tally(const std::string& member_key) const {
    Tally t;
    for (const auto& [name, vote] : nodes_) {
        if (votes(vote)) {
            ++t.voters;
            t.down += vote.down.count(member_key) > 0;
        }
    }
    return t;
}

std::map<std::string, std::string> VoteBook::votesOn(const std::string& member_key) const {
    std::map<std::string, std::string> out;
    for (const auto& [name, vote] : nodes_) {
        out[name] = vote.layout != layout_            ? "other-config"
                    : !vote.ready                     ? "starting"
                    : vote.down.count(member_key) > 0 ? "down"
                                                      : "up";
    }
    return out;
}

std::vector<std::string> VoteBook::liveNodes() const {
    std::vector<std::string> out;
    for (const auto& [name, vote] : nodes_) {
        out.push_back(name);
    }
    return out;
}

}  // namespace pharos::state
