#pragma once
// What a tcp member has sent so far, searched with match_re as each chunk arrives: the banner
// may come in pieces, and a member that then waits for the next command must still match.
// Kept to kMaxTcpReply bytes; more is a failure, not more memory.
#include <string>
#include <string_view>

#include "conf/ReplyPattern.hpp"

namespace pharos::health {

constexpr size_t kMaxTcpReply = 4096;

class TcpReply {
  public:
    enum class Verdict { Matched, NeedMore, NoMatch, TooCostly };

    explicit TcpReply(const conf::ReplyPattern& pattern) : pattern_(pattern) {}

    Verdict add(std::string_view chunk);

  private:
    const conf::ReplyPattern& pattern_;
    std::string text_;
};

}  // namespace pharos::health
