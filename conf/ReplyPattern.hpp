#pragma once
// A pattern an operator writes to recognise a member's reply (an http monitor's body_regex, a
// tcp monitor's match_re): ECMAScript, compiled once where the configuration is read and
// searched once per reply. Boost.Regex, not std::regex: libstdc++'s matcher recurses per
// character and backtracks without bound, so one member's reply against a pattern with nested
// repetition held the prober's single loop for minutes (fuzz_TcpReply: 979 bytes against
// `(a|b)*c`); Boost's matcher is iterative and gives up once a search grows too costly.
#include <boost/regex.hpp>
#include <string>
#include <string_view>

namespace pharos::conf {

class ReplyPattern {
  public:
    enum class Case { Sensitive, Ignored };
    enum class Found { Yes, No, TooCostly };

    // Throws std::runtime_error (boost::regex_error) saying what is wrong with `text`.
    ReplyPattern(const std::string& text, Case letter_case);

    Found search(std::string_view reply) const;

  private:
    boost::regex re_;
};

}  // namespace pharos::conf
