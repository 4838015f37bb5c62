#include "health/checks/TcpReply.hpp"

namespace pharos::health {

TcpReply::Verdict TcpReply::add(std::string_view chunk) {
    text_.append(chunk.substr(0, kMaxTcpReply - text_.size()));
    switch (pattern_.search(text_)) {
        case conf::ReplyPattern::Found::Yes:
            return Verdict::Matched;
        case conf::ReplyPattern::Found::TooCostly:
            // Giving up here bounds a check's cost: searching again as more bytes dribble in
            // would only be costlier.
            return Verdict::TooCostly;
        case conf::ReplyPattern::Found::No:
            break;
    }
    return text_.size() >= kMaxTcpReply ? Verdict::NoMatch : Verdict::NeedMore;
}

}  // namespace pharos::health
