#include "conf/ReplyPattern.hpp"

namespace pharos::conf {

ReplyPattern::ReplyPattern(const std::string& text, Case letter_case)
    : re_(text, letter_case == Case::Ignored ? boost::regex::ECMAScript | boost::regex::icase
                                             : boost::regex::ECMAScript) {}

ReplyPattern::Found ReplyPattern::search(std::string_view reply) const {
    try {
        return boost::regex_search(reply.begin(), reply.end(), re_) ? Found::Yes : Found::No;
    } catch (const std::runtime_error&) {
        // Boost's bound on states or on its own stack: the reply cannot be judged cheaply.
        return Found::TooCostly;
    }
}

}  // namespace pharos::conf
