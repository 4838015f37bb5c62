#pragma once
// The cluster's verdicts on every member: for each live node (this one included), whether its
// prober has a first verdict on every member and which members it sees down. Nodes publish
// only their down members, so a vote is small in the normal case and a node that lists nothing
// sees everything up. Pure data and logic: the link to etcd fills it, ProbeRun reads it.
#include <cstdint>
#include <map>
#include <string>
#include <unordered_set>
#include <vector>

#include "conf/Config.hpp"
#include "state/HealthTableLayout.hpp"

namespace pharos::state {

struct NodeVote {
    std::string site;
    bool ready = false;  // every member has a verdict; a node still starting does not vote
    std::unordered_set<std::string> down;  // voteKey() of the members it sees down
    uint64_t layout = 0;                   // conf::Config::layout_hash of its configuration
    friend bool operator==(const NodeVote&, const NodeVote&) = default;
};

// A member as votes name it: its pool and its address or cname, which every node's
// configuration spells the same.
std::string voteKey(const std::string& pool, const std::string& target);

// How the votes on one member stand.
struct Tally {
    int voters = 0;  // live nodes that are ready
    int down = 0;    // of them, those that see the member down
};

// A member is down when the quorum's share of the voters sees it down (docs/CLUSTER.md).
// `own` is this node's verdict: Unknown stays Unknown (a member this prober has not judged
// yet is not judged for it), and with no voters (etcd unreachable) or `local` it decides.
state::MemberState quorumState(conf::HealthQuorum quorum, state::MemberState own, Tally tally);

class VoteBook {
  public:
    // Only nodes whose configuration has this layout (this node's) vote: a node without a
    // member would otherwise count as seeing it up. During a rolling change of the pools, the
    // nodes on each side vote apart.
    void setLayout(uint64_t layout) { layout_ = layout; }
    // Replaces what `node` votes; returns whether anything changed.
    bool set(const std::string& node, NodeVote vote);
    bool remove(const std::string& node);
    // Forgets every node but `keep` (this one): their votes can no longer be trusted to be live.
    bool keepOnly(const std::string& keep);
    Tally tally(const std::string& member) const;
    // Each node's vote on one member, for status and explain: node -> "up", "down",
    // "starting" (not every member judged yet) or "other-config" (another layout).
    std::map<std::string, std::string> votesOn(const std::string& member) const;
    const std::map<std::string, NodeVote>& nodes() const { return nodes_; }
    std::vector<std::string> liveNodes() const;

  private:
    bool votes(const NodeVote& v) const { return v.ready && v.layout == layout_; }

    std::map<std::string, NodeVote> nodes_;
    uint64_t layout_ = 0;
};

}  // namespace pharos::state
