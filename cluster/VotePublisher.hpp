#pragma once
// This node's own vote (docs/CLUSTER.md): the members its prober sees down (its own checks,
// not combined with anyone's), whether it has judged every member, and its configuration's
// layout. The VoteBook has it at once (this node's answers use it now); etcd gets it under
// prefix/votes/<node> once per turn of the event loop however many members changed, one write
// at a time. ClusterLink does the write, under its lease.
#include <boost/asio.hpp>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>

#include "state/VoteBook.hpp"

namespace pharos::cluster {

class VotePublisher {
  public:
    // Whether the link to etcd is up.
    using Connected = std::function<bool()>;
    // Writes `text` as this node's vote; `done` gets the error, empty when it was written.
    using Put = std::function<void(const std::string& text,
                                   std::function<void(const std::string& error)> done)>;
    VotePublisher(boost::asio::io_context& io, std::string node, std::string site,
                  state::VoteBook& book, Connected connected, Put put);
    ~VotePublisher();
    VotePublisher(const VotePublisher&) = delete;
    VotePublisher& operator=(const VotePublisher&) = delete;

    // Puts the vote in the book.
    void start();
    // One member's verdict, whether every member has one, and all of them at once with the
    // configuration's layout (a start or a reload: only nodes with the same pools and members
    // count each other's votes).
    void member(const std::string& vote_key, bool down);
    void ready(bool ready);
    void reset(std::unordered_set<std::string> down, bool ready, uint64_t layout);
    // Writes the vote whole again (under a new lease).
    void rewrite();
    // Writes what changed since the last write, when the link is up and no write is on its way.
    void publish();

  private:
    void changed();

    boost::asio::io_context& io_;
    std::string node_;
    state::VoteBook& book_;
    Connected connected_;
    Put put_;
    state::NodeVote own_;
    bool dirty_ = true;
    bool in_flight_ = false;
    bool posted_ = false;
    bool too_large_logged_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace pharos::cluster
