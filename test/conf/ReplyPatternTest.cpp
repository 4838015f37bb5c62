// The one pattern dialect of monitors' replies (body_regex, match_re): what it accepts, how it
// treats case, and that a search too costly for a reply ends as TooCostly instead of holding
// the caller.
#include <catch2/catch.hpp>
#include <stdexcept>

#include "conf/ReplyPattern.hpp"

using pharos::conf::ReplyPattern;
using PatternFound = ReplyPattern::Found;

TEST_CASE("reply pattern: ECMAScript searched anywhere in the reply, case as asked") {
    ReplyPattern ignored("^\\+pong|ready", ReplyPattern::Case::Ignored);
    CHECK(ignored.search("+PONG\r\n") == PatternFound::Yes);
    CHECK(ignored.search("status: Ready") == PatternFound::Yes);
    CHECK(ignored.search("-ERR +pong") == PatternFound::No);
    ReplyPattern sensitive("ready: [0-9]+", ReplyPattern::Case::Sensitive);
    CHECK(sensitive.search("x ready: 12") == PatternFound::Yes);
    CHECK(sensitive.search("READY: 12") == PatternFound::No);
    CHECK(sensitive.search("") == PatternFound::No);
}

TEST_CASE("reply pattern: a text that is no pattern throws, saying why") {
    CHECK_THROWS_AS(ReplyPattern("(", ReplyPattern::Case::Ignored), std::runtime_error);
    CHECK_THROWS_AS(ReplyPattern("a{2,1}", ReplyPattern::Case::Sensitive), std::runtime_error);
}

TEST_CASE("reply pattern: nested repetition over a long reply gives up instead of backtracking") {
    // fuzz_TcpReply's finding: 979 bytes of 'A' against (a|b)*c held std::regex over 10 s.
    std::string reply(979, 'A');
    CHECK(ReplyPattern("(a|b)*c", ReplyPattern::Case::Ignored).search(reply) ==
          PatternFound::TooCostly);
    CHECK(ReplyPattern("(a*)*b", ReplyPattern::Case::Ignored).search(std::string(4096, 'a')) ==
          PatternFound::TooCostly);
    // A leading .* over the longest reply is cheap, matched or not.
    std::string banner(4095, 'x');
    CHECK(ReplyPattern(".*server", ReplyPattern::Case::Ignored).search(banner) == PatternFound::No);
    CHECK(ReplyPattern(".*server", ReplyPattern::Case::Ignored).search(banner + "server") ==
          PatternFound::Yes);
}
