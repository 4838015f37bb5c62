#pragma once
// What a tcp member has sent so far, searched with match_re as chunks arrive: the banner may
// come in pieces, and a member that then waits for the next command must still match.
// Kept to kMaxTcpReply bytes; more is a failure, not more memory.
//
// Each search covers the whole reply, and the member chooses how many pieces it sends: one that
// dribbles its reply a byte at a time would have a search per byte, each bounded by the matcher
// but their sum not (fuzz_TcpReply: 1,931 bytes in 264 chunks cost 0.7 s at -O2). So the bytes
// searched per reply have a budget; past it, a search waits until the reply has doubled, and
// finish() searches what is left once the reply ends. A reply then costs at most about
// kSearchBudget + 3 * kMaxTcpReply bytes of searching, whatever its pieces.
#include <string>
#include <string_view>

#include "conf/ReplyPattern.hpp"

namespace pharos::health {

constexpr size_t kMaxTcpReply = 4096;

class TcpReply {
  public:
    enum class Verdict { Matched, NeedMore, NoMatch, TooCostly };
    static constexpr size_t kSearchBudget = 4 * kMaxTcpReply;

    explicit TcpReply(const conf::ReplyPattern& pattern) : pattern_(pattern) {}

    // NeedMore until the reply matches, is full, or a search gives up.
    Verdict add(std::string_view chunk);
    // The reply ended (closed, or the check's deadline): searches it again if bytes came since
    // the last search (a match may span old and new bytes). Matched, NoMatch or TooCostly.
    Verdict finish();

    size_t bytesSearched() const { return bytes_searched_; }

  private:
    // `last_chance`: no more bytes will come (the reply is full, or it ended).
    bool searchDue(bool last_chance) const;
    Verdict search();

    const conf::ReplyPattern& pattern_;
    std::string text_;
    size_t bytes_searched_ = 0;
    size_t searched_length_ = 0;  // the reply's length at its last search
};

}  // namespace pharos::health
