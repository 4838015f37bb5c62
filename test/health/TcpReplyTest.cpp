// A tcp member's reply as it arrives in pieces, against match_re.
#include <catch2/catch.hpp>

#include "health/checks/TcpReply.hpp"

using pharos::conf::ReplyPattern;
using pharos::health::kMaxTcpReply;
using pharos::health::TcpReply;
using TcpVerdict = TcpReply::Verdict;

TEST_CASE("tcp reply: a match split across chunks is found when its last piece arrives") {
    ReplyPattern pattern("^220 .*esmtp", ReplyPattern::Case::Ignored);
    TcpReply reply(pattern);
    CHECK(reply.add("220 mail.exa") == TcpVerdict::NeedMore);
    CHECK(reply.add("mple.net ES") == TcpVerdict::NeedMore);
    CHECK(reply.add("MTP ready\r\n") == TcpVerdict::Matched);
}

TEST_CASE("tcp reply: kept to kMaxTcpReply bytes, past which it is no match") {
    ReplyPattern pattern("ready", ReplyPattern::Case::Ignored);
    TcpReply reply(pattern);
    CHECK(reply.add(std::string(kMaxTcpReply - 3, '.')) == TcpVerdict::NeedMore);
    // "ready" would end past the limit: the bytes beyond it are never searched.
    CHECK(reply.add("..ready") == TcpVerdict::NoMatch);
    size_t searched = reply.bytesSearched();
    CHECK(reply.add("more") == TcpVerdict::NoMatch);  // a full reply is not searched again
    CHECK(reply.bytesSearched() == searched);
    TcpReply at_limit(pattern);
    CHECK(at_limit.add(std::string(kMaxTcpReply - 5, '.') + "ready") == TcpVerdict::Matched);
}

TEST_CASE("tcp reply: a search too costly ends the reply at once") {
    ReplyPattern pattern("(a|b)*c", ReplyPattern::Case::Ignored);
    TcpReply reply(pattern);
    CHECK(reply.add(std::string(100, 'a')) == TcpVerdict::NeedMore);
    CHECK(reply.add(std::string(1024, 'A')) == TcpVerdict::TooCostly);
}

namespace {

// Feeds `text` a byte at a time, as a member that dribbles its reply would; the verdict of the
// last piece, or NeedMore.
TcpVerdict dribble(TcpReply& reply, const std::string& text) {
    for (char c : text) {
        TcpVerdict verdict = reply.add(std::string_view(&c, 1));
        if (verdict != TcpVerdict::NeedMore) {
            return verdict;
        }
    }
    return TcpVerdict::NeedMore;
}

constexpr size_t kMostSearched = TcpReply::kSearchBudget + 3 * kMaxTcpReply;

}  // namespace

TEST_CASE("tcp reply: a reply dribbled a byte at a time costs a bounded search, not one per byte") {
    // fuzz_TcpReply's second finding: a search of the whole reply per piece, so the member chose
    // the number of searches. A search per byte here would be over 8 MB of searching.
    ReplyPattern pattern("ready", ReplyPattern::Case::Ignored);
    TcpReply reply(pattern);
    CHECK(dribble(reply, std::string(kMaxTcpReply - 1, '.')) == TcpVerdict::NeedMore);
    CHECK(reply.finish() == TcpVerdict::NoMatch);
    CHECK(reply.bytesSearched() <= kMostSearched);

    ReplyPattern nested("(a|b)*c", ReplyPattern::Case::Ignored);
    TcpReply costly(nested);
    std::string ab;
    while (ab.size() < kMaxTcpReply) {
        ab += "abA";
    }
    TcpVerdict verdict = dribble(costly, ab);
    CHECK(verdict != TcpVerdict::Matched);
    CHECK(costly.bytesSearched() <= kMostSearched);
}

TEST_CASE("tcp reply: an empty piece is not searched") {
    ReplyPattern pattern("ready", ReplyPattern::Case::Ignored);
    TcpReply reply(pattern);
    CHECK(reply.add("not yet") == TcpVerdict::NeedMore);
    for (int i = 0; i < 1000; ++i) {
        CHECK(reply.add("") == TcpVerdict::NeedMore);
    }
    CHECK(reply.bytesSearched() == 7);
    CHECK(reply.finish() == TcpVerdict::NoMatch);
    CHECK(reply.bytesSearched() == 7);  // nothing new to search
}

TEST_CASE("tcp reply: a banner dribbled past the budget matches when the reply ends") {
    // 1-byte pieces spend the budget by about byte 180; later bytes are searched when the reply
    // has doubled (360) and at its end, so "ready" at bytes 396-400 waits for finish().
    ReplyPattern pattern("ready", ReplyPattern::Case::Ignored);
    TcpReply reply(pattern);
    CHECK(dribble(reply, std::string(395, '-') + "ready\r\n") == TcpVerdict::NeedMore);
    CHECK(reply.finish() == TcpVerdict::Matched);

    TcpReply early(pattern);  // within the budget a match is found as its last byte arrives
    CHECK(dribble(early, std::string(40, '-') + "ready\r\n") == TcpVerdict::Matched);
}
