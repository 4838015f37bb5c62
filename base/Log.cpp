#include "base/Log.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdio>

namespace pharos {
namespace {
std::string g_ident = "pharos";
std::atomic<int> g_level{int(LogLevel::Info)};

const char* levelName(LogLevel level) {
    switch (level) {
        case LogLevel::Debug:
            return "debug";
        case LogLevel::Info:
            return "info";
        case LogLevel::Warning:
            return "warning";
        case LogLevel::Error:
            return "error";
    }
    return "?";
}
}  // namespace

void setLogIdent(std::string ident) {
    g_ident = std::move(ident);
}
void setLogLevel(LogLevel level) {
    g_level = int(level);
}

bool parseLogLevel(std::string_view text, LogLevel& out) {
    for (auto level : {LogLevel::Debug, LogLevel::Info, LogLevel::Warning, LogLevel::Error}) {
        if (text == levelName(level)) {
            out = level;
            return true;
        }
    }
    return false;
}

bool logEnabled(LogLevel level) {
    return int(level) >= g_level.load(std::memory_order_relaxed);
}

void logLine(LogLevel level, std::string_view message) {
    // One fprintf per line keeps lines whole when several threads log.
    std::fprintf(stderr, "%s[%d]: %s: %.*s\n", g_ident.c_str(), int(getpid()), levelName(level),
                 int(message.size()), message.data());
}

}  // namespace pharos
