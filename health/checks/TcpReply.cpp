#include "health/checks/TcpReply.hpp"

namespace pharos::health {

TcpReply::Verdict TcpReply::add(std::string_view chunk) {
    text_.append(chunk.substr(0, kMaxTcpReply - text_.size()));
    bool full = text_.size() >= kMaxTcpReply;
    Verdict found = searchDue(full) ? search() : Verdict::NoMatch;
    return found == Verdict::NoMatch && !full ? Verdict::NeedMore : found;
}

TcpReply::Verdict TcpReply::finish() {
    return searchDue(true) ? search() : Verdict::NoMatch;
}

bool TcpReply::searchDue(bool last_chance) const {
    if (text_.size() == searched_length_) {
        return false;  // nothing new: an empty chunk, or a reply searched already
    }
    return last_chance || bytes_searched_ + text_.size() <= kSearchBudget ||
           text_.size() >= 2 * searched_length_;
}

TcpReply::Verdict TcpReply::search() {
    bytes_searched_ += text_.size();
    searched_length_ = text_.size();
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
    return Verdict::NoMatch;
}

}  // namespace pharos::health
