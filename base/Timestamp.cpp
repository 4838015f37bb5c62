#include "base/Timestamp.hpp"

#include <time.h>

#include <cctype>

namespace pharos::base {
namespace {

// Reads exactly `digits` digits at `at`.
bool number(std::string_view text, size_t& at, int digits, int& out) {
    out = 0;
    for (int i = 0; i < digits; ++i, ++at) {
        if (at >= text.size() || !std::isdigit(static_cast<unsigned char>(text[at]))) {
            return false;
        }
        out = out * 10 + (text[at] - '0');
    }
    return true;
}

bool literal(std::string_view text, size_t& at, std::string_view choices) {
    if (at < text.size() && choices.find(text[at]) != std::string_view::npos) {
        ++at;
        return true;
    }
    return false;
}

int daysIn(int year, int month) {
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

// Milliseconds of ".123" (any number of digits; past the third they are dropped).
int fraction(std::string_view text, size_t& at) {
    int ms = 0;
    int scale = 100;
    if (!literal(text, at, ".")) {
        return 0;
    }
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) {
        ms += (text[at++] - '0') * scale;
        scale /= 10;
    }
    return ms;
}

}  // namespace

std::optional<int64_t> parseRfc3339(std::string_view text) {
    size_t at = 0;
    int year, month, day, hour, minute, second;
    if (!number(text, at, 4, year) || !literal(text, at, "-") || !number(text, at, 2, month) ||
        !literal(text, at, "-") || !number(text, at, 2, day) || !literal(text, at, "Tt ") ||
        !number(text, at, 2, hour) || !literal(text, at, ":") || !number(text, at, 2, minute) ||
        !literal(text, at, ":") || !number(text, at, 2, second)) {
        return std::nullopt;
    }
    if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 ||
        minute > 59 || second > 60) {
        return std::nullopt;
    }
    int ms = fraction(text, at);
    int offset_minutes = 0;
    if (!literal(text, at, "Zz")) {
        bool west = at < text.size() && text[at] == '-';
        int oh, om;
        if (!literal(text, at, "+-") || !number(text, at, 2, oh) || !literal(text, at, ":") ||
            !number(text, at, 2, om) || oh > 23 || om > 59) {
            return std::nullopt;
        }
        offset_minutes = (west ? -1 : 1) * (oh * 60 + om);
    }
    if (at != text.size()) {
        return std::nullopt;
    }
    tm t{};
    t.tm_year = year - 1900;
    t.tm_mon = month - 1;
    t.tm_mday = day;
    t.tm_hour = hour;
    t.tm_min = minute;
    t.tm_sec = second;
    int64_t seconds = int64_t(timegm(&t)) - int64_t(offset_minutes) * 60;
    return seconds * 1000 + ms;
}

std::string formatRfc3339(int64_t ms) {
    time_t seconds = time_t(ms / 1000);
    tm t{};
    gmtime_r(&seconds, &t);
    char text[32];
    strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &t);
    return text;
}

}  // namespace pharos::base
