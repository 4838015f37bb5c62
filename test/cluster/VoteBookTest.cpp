#include <catch2/catch.hpp>

#include "state/VoteBook.hpp"

using namespace pharos;
using conf::HealthQuorum;
using state::MemberState;
using state::NodeVote;
using state::Tally;

namespace {

NodeVote ready(std::unordered_set<std::string> down) {
    return NodeVote{"site", true, std::move(down)};
}

MemberState quorum(HealthQuorum q, int down, int voters, MemberState own = MemberState::Up) {
    return state::quorumState(q, own, Tally{voters, down});
}

}  // namespace

TEST_CASE("voteKey joins pool and target with a newline, which neither can hold") {
    CHECK(state::voteKey("web", "10.0.0.1") == "web\n10.0.0.1");
    CHECK(state::voteKey("web", "cdn.example.net") != state::voteKey("web\ncdn", "example"));
}

TEST_CASE("quorumState: each quorum's threshold") {
    using enum MemberState;
    // any: one voter seeing it down is enough, whatever this node sees.
    CHECK(quorum(HealthQuorum::Any, 1, 3) == Down);
    CHECK(quorum(HealthQuorum::Any, 0, 3, Down) == Up);
    // majority: strictly more than half; a tie keeps it up.
    CHECK(quorum(HealthQuorum::Majority, 2, 3) == Down);
    CHECK(quorum(HealthQuorum::Majority, 1, 3) == Up);
    CHECK(quorum(HealthQuorum::Majority, 2, 4) == Up);
    CHECK(quorum(HealthQuorum::Majority, 3, 4) == Down);
    CHECK(quorum(HealthQuorum::Majority, 1, 3, Down) == Up);
    CHECK(quorum(HealthQuorum::Majority, 1, 1) == Down);
    // all: every voter.
    CHECK(quorum(HealthQuorum::All, 3, 3) == Down);
    CHECK(quorum(HealthQuorum::All, 2, 3) == Up);
    CHECK(quorum(HealthQuorum::All, 2, 3, Down) == Up);
}

TEST_CASE("quorumState: this node decides alone when local, unknown or without voters") {
    using enum MemberState;
    for (auto q :
         {HealthQuorum::Local, HealthQuorum::Any, HealthQuorum::Majority, HealthQuorum::All}) {
        INFO(conf::toString(q));
        // A member this prober has not judged yet is not judged for it by the others.
        CHECK(quorum(q, 3, 3, Unknown) == Unknown);
        CHECK(quorum(q, 0, 3, Unknown) == Unknown);
        // No voters: etcd is out of reach, this node's checks are all there is.
        CHECK(quorum(q, 0, 0, Down) == Down);
        CHECK(quorum(q, 0, 0, Up) == Up);
    }
    CHECK(quorum(HealthQuorum::Local, 3, 3, Up) == Up);
    CHECK(quorum(HealthQuorum::Local, 0, 3, Down) == Down);
}

TEST_CASE("VoteBook: set reports changes, remove and keepOnly forget nodes") {
    state::VoteBook book;
    CHECK(book.set("a", ready({"p\nx"})));
    CHECK_FALSE(book.set("a", ready({"p\nx"})));  // the same vote again: nothing to redo
    CHECK(book.set("a", ready({"p\ny"})));
    CHECK(book.set("a", NodeVote{"site", false, {"p\ny"}}));
    CHECK(book.set("a", NodeVote{"elsewhere", false, {"p\ny"}}));
    CHECK(book.set("b", ready({})));
    CHECK(book.set("c", ready({})));
    CHECK(book.liveNodes() == std::vector<std::string>{"a", "b", "c"});

    CHECK(book.remove("b"));
    CHECK_FALSE(book.remove("b"));
    CHECK(book.liveNodes() == std::vector<std::string>{"a", "c"});

    CHECK(book.keepOnly("c"));
    CHECK_FALSE(book.keepOnly("c"));
    CHECK(book.liveNodes() == std::vector<std::string>{"c"});
    CHECK(book.keepOnly("z"));  // this node had not voted yet: nobody is left
    CHECK(book.liveNodes().empty());
    CHECK(book.nodes().empty());
}

TEST_CASE("VoteBook: nodes still starting are live but do not vote") {
    state::VoteBook book;
    const std::string x = state::voteKey("p", "x"), y = state::voteKey("p", "y");
    book.set("a", ready({x}));
    book.set("b", ready({x, y}));
    book.set("c", ready({}));
    book.set("d", NodeVote{"site", false, {x, y}});

    auto tx = book.tally(x);
    CHECK(tx.voters == 3);
    CHECK(tx.down == 2);
    auto ty = book.tally(y);
    CHECK(ty.voters == 3);
    CHECK(ty.down == 1);
    CHECK(book.tally(state::voteKey("q", "x")).down == 0);
    CHECK(book.liveNodes().size() == 4);

    std::map<std::string, std::string> on_y{
        {"a", "up"}, {"b", "down"}, {"c", "up"}, {"d", "starting"}};
    CHECK(book.votesOn(y) == on_y);
    CHECK(state::VoteBook().tally(x).voters == 0);
}
