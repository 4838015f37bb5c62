#include "cluster/VotePublisher.hpp"

#include "base/Clock.hpp"
#include "base/Log.hpp"
#include "cluster/VoteCodec.hpp"

namespace pharos::cluster {

namespace {

// The vote of a node that sees this many members down would not fit in one etcd request
// (1.5 MiB by default); it is replaced by a vote that does not count.
constexpr size_t kMaxVoteBytes = 1 << 20;

}  // namespace

VotePublisher::VotePublisher(boost::asio::io_context& io, std::string node, std::string site,
                             state::VoteBook& book, Connected connected, Put put)
    : io_(io),
      node_(std::move(node)),
      book_(book),
      connected_(std::move(connected)),
      put_(std::move(put)) {
    own_.site = std::move(site);
}

VotePublisher::~VotePublisher() {
    *alive_ = false;
}

void VotePublisher::start() {
    book_.set(node_, own_);
}

void VotePublisher::member(const std::string& vote_key, bool down) {
    if (down ? own_.down.insert(vote_key).second : own_.down.erase(vote_key) > 0) {
        changed();
    }
}

void VotePublisher::ready(bool ready) {
    if (own_.ready != ready) {
        own_.ready = ready;
        changed();
    }
}

void VotePublisher::reset(std::unordered_set<std::string> down, bool ready, uint64_t layout) {
    own_.down = std::move(down);
    own_.ready = ready;
    own_.layout = layout;
    book_.setLayout(layout);
    changed();
}

void VotePublisher::rewrite() {
    dirty_ = true;
    publish();
}

void VotePublisher::changed() {
    book_.set(node_, own_);
    dirty_ = true;
    if (posted_) {
        return;
    }
    posted_ = true;
    boost::asio::post(io_, [this, alive = alive_] {
        if (*alive) {
            posted_ = false;
            publish();
        }
    });
}

void VotePublisher::publish() {
    if (!connected_() || in_flight_ || !dirty_) {
        return;
    }
    dirty_ = false;
    std::string text = encodeVote(own_, base::realtimeMs());
    if (text.size() > kMaxVoteBytes) {
        if (!too_large_logged_) {
            too_large_logged_ = true;
            PHAROS_LOG(Error, "cluster: this node sees " << own_.down.size()
                                                         << " members down, too many for one "
                                                            "etcd value: it votes on none");
        }
        state::NodeVote none = own_;
        none.ready = false;
        none.down.clear();
        text = encodeVote(none, base::realtimeMs());
    }
    in_flight_ = true;
    put_(text, [this, alive = alive_](const std::string& error) {
        if (!*alive) {
            return;
        }
        in_flight_ = false;
        if (!error.empty()) {
            dirty_ = true;  // again after the next keepalive
            PHAROS_LOG(Warning, "cluster: this node's vote not written to etcd: " << error);
            return;
        }
        publish();  // a change that came while this one was on its way
    });
}

}  // namespace pharos::cluster
