#pragma once
// One log format for all three programs: "<program>[<pid>]: <level>: <message>" on stderr, which
// systemd's journal and the tests both read.
#include <sstream>
#include <string>
#include <string_view>

namespace pharos {

enum class LogLevel { Debug, Info, Warning, Error };

void setLogIdent(std::string ident);
void setLogLevel(LogLevel level);
bool parseLogLevel(std::string_view text, LogLevel& out);
bool logEnabled(LogLevel level);
void logLine(LogLevel level, std::string_view message);

}  // namespace pharos

// A macro so the message is only formatted when the level is enabled.
#define PHAROS_LOG(level, expr)                                                 \
    do {                                                                        \
        if (::pharos::logEnabled(::pharos::LogLevel::level)) {                  \
            std::ostringstream pharos_log_os_;                                  \
            pharos_log_os_ << expr;                                             \
            ::pharos::logLine(::pharos::LogLevel::level, pharos_log_os_.str()); \
        }                                                                       \
    } while (0)
