#include <catch2/catch.hpp>

#include "cluster/VoteCodec.hpp"

using namespace pharos::cluster;
namespace state = pharos::state;

TEST_CASE("vote: what a node encodes, another decodes the same") {
    state::NodeVote vote;
    vote.site = "east";
    vote.ready = true;
    vote.layout = 0x00c0ffee0badf00dULL;
    vote.down = {state::voteKey("web", "10.1.0.5"), state::voteKey("web", "2001:db8::5"),
                 state::voteKey("edge.pool", "cdn.example.net")};
    std::string text = encodeVote(vote, 1795690000000);
    CHECK(text.find("\"layout\":\"00c0ffee0badf00d\"") != std::string::npos);
    auto back = decodeVote(text);
    REQUIRE(back);
    CHECK(*back == vote);

    state::NodeVote empty;
    auto none = decodeVote(encodeVote(empty, 0));
    REQUIRE(none);
    CHECK(*none == empty);
}

TEST_CASE("vote: anything else is not a vote, and nothing throws") {
    const char* bad[] = {
        "",
        "not json",
        "[]",
        R"({"site":"e","ready":true,"layout":"0000000000000001"})",                 // no down
        R"({"ready":true,"layout":"0000000000000001","down":[]})",                  // a list
        R"({"ready":"yes","layout":"0000000000000001","down":{}})",                 // ready
        R"({"ready":true,"layout":1,"down":{}})",                                   // layout
        R"({"ready":true,"layout":"00000000000000zz","down":{}})",                  // hex
        R"({"ready":true,"layout":"0000000000000001","down":{"web":"10.0.0.1"}})",  // one
        R"({"ready":true,"layout":"0000000000000001","down":{"web":[5]}})",         // number
        R"({"ready":true,"layout":"0000000000000001","down":{"web":["a\nb"]}})",    // newline
        R"({"ready":true,"layout":"0000000000000001","down":{"":["10.0.0.1"]}})",   // no pool
        R"({"site":7,"ready":true,"layout":"0000000000000001","down":{}})",         // site
    };
    for (const char* text : bad) {
        INFO(text);
        CHECK_FALSE(decodeVote(text));
    }
}
