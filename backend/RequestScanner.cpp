#include "backend/RequestScanner.hpp"

#include <charconv>

namespace pharos::backend {
namespace {

class Scanner {
  public:
    explicit Scanner(std::string_view text) : s_(text) {}

    void space() {
        while (i_ < s_.size() &&
               (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) {
            ++i_;
        }
    }
    bool eat(char c) {
        space();
        if (i_ < s_.size() && s_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }
    bool peek(char c) {
        space();
        return i_ < s_.size() && s_[i_] == c;
    }
    bool atEnd() {
        space();
        return i_ == s_.size();
    }
    // A plain ASCII string; an escape or any byte above 0x7f (UTF-8 the full parser must
    // validate) sends the request to the full parser.
    bool string(std::string_view& out) {
        if (!eat('"')) {
            return false;
        }
        size_t start = i_;
        while (i_ < s_.size() && s_[i_] != '"') {
            if (s_[i_] == '\\' || uint8_t(s_[i_]) < 0x20 || uint8_t(s_[i_]) > 0x7f) {
                return false;
            }
            ++i_;
        }
        if (i_ == s_.size()) {
            return false;
        }
        out = s_.substr(start, i_ - start);
        ++i_;
        return true;
    }
    // A JSON integer: no leading zeros, no plus sign (from_chars alone takes "012").
    bool integer(int64_t& out) {
        space();
        size_t digits = i_ + (i_ < s_.size() && s_[i_] == '-');
        if (digits + 1 < s_.size() && s_[digits] == '0' && isDigit(s_[digits + 1])) {
            return false;
        }
        auto [end, ec] = std::from_chars(s_.data() + i_, s_.data() + s_.size(), out);
        if (ec != std::errc()) {
            return false;
        }
        i_ = size_t(end - s_.data());
        return true;
    }
    // Skips any scalar or (shallow) container value.
    bool skipValue(int depth = 0) {
        space();
        if (i_ >= s_.size() || depth > 8) {
            return false;
        }
        char c = s_[i_];
        if (c == '"') {
            std::string_view ignored;
            return string(ignored);
        }
        if (c == '{' || c == '[') {
            return skipContainer(depth);
        }
        for (std::string_view word : {"true", "false", "null"}) {
            if (s_.substr(i_, word.size()) == word) {
                i_ += word.size();
                return true;
            }
        }
        return number();
    }

  private:
    static bool isDigit(char c) { return c >= '0' && c <= '9'; }
    // Integers that fit in 64 bits: all pdns sends. Fractions, exponents and larger numbers
    // (which nlohmann/json may refuse as out of range) go to the full parser.
    bool number() {
        int64_t ignored;
        return integer(ignored);
    }

    bool skipContainer(int depth) {
        char close = s_[i_] == '{' ? '}' : ']';
        bool object = close == '}';
        ++i_;
        if (eat(close)) {
            return true;
        }
        do {
            if (object) {
                std::string_view key;
                if (!string(key) || !eat(':')) {
                    return false;
                }
            }
            if (!skipValue(depth + 1)) {
                return false;
            }
        } while (eat(','));
        return eat(close);
    }

    std::string_view s_;
    size_t i_ = 0;
};

bool scanParameters(Scanner& in, LookupRequest& out) {
    if (!in.eat('{')) {
        return false;
    }
    if (in.eat('}')) {
        return true;
    }
    do {
        std::string_view key;
        if (!in.string(key) || !in.eat(':')) {
            return false;
        }
        bool ok = true;
        if (key == "qtype") {
            ok = in.string(out.qtype);
        } else if (key == "qname") {
            ok = in.string(out.qname);
        } else if (key == "remote") {
            ok = in.string(out.remote);
        } else if (key == "local") {
            ok = in.string(out.local);
        } else if (key == "real-remote") {
            ok = in.string(out.real_remote);
        } else if (key == "zone-id") {
            ok = in.integer(out.zone_id);
        } else {
            ok = in.skipValue();
        }
        if (!ok) {
            return false;
        }
    } while (in.eat(','));
    return in.eat('}');
}

}  // namespace

bool scanLookup(std::string_view text, LookupRequest& out) {
    Scanner in(text);
    out = LookupRequest{};
    bool is_lookup = false;
    bool have_parameters = false;
    if (!in.eat('{')) {
        return false;
    }
    do {
        std::string_view key;
        if (!in.string(key) || !in.eat(':')) {
            return false;
        }
        if (key == "method") {
            std::string_view method;
            // A repeated key: JSON keeps the last value whole, which the full parser handles.
            if (is_lookup || !in.string(method) || method != "lookup") {
                return false;
            }
            is_lookup = true;
        } else if (key == "parameters") {
            if (have_parameters || !scanParameters(in, out)) {
                return false;
            }
            have_parameters = true;
        } else if (!in.skipValue()) {
            return false;
        }
    } while (in.eat(','));
    return in.eat('}') && in.atEnd() && is_lookup && have_parameters && !out.qname.empty() &&
           !out.qtype.empty();
}

}  // namespace pharos::backend
