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
    TcpReply at_limit(pattern);
    CHECK(at_limit.add(std::string(kMaxTcpReply - 5, '.') + "ready") == TcpVerdict::Matched);
}

TEST_CASE("tcp reply: a search too costly ends the reply at once") {
    ReplyPattern pattern("(a|b)*c", ReplyPattern::Case::Ignored);
    TcpReply reply(pattern);
    CHECK(reply.add(std::string(100, 'a')) == TcpVerdict::NeedMore);
    CHECK(reply.add(std::string(1024, 'A')) == TcpVerdict::TooCostly);
}
