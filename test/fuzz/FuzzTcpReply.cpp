// What a tcp member sends back, read as the tcp monitor reads it (in chunks, kept up to
// kMaxTcpReply bytes) and matched against match_re patterns operators write.
#include <fuzzer/FuzzedDataProvider.h>

#include <regex>

#include "health/checks/TcpMonitor.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::regex patterns[] = {
        std::regex("^\\\\+OK", std::regex::icase | std::regex::ECMAScript),
        std::regex("ready|pong", std::regex::icase | std::regex::ECMAScript),
        std::regex("^[0-9]{3} .*server", std::regex::icase | std::regex::ECMAScript),
        std::regex("(a|b)*c", std::regex::icase | std::regex::ECMAScript),
    };
    FuzzedDataProvider in(data, size);
    const std::regex& re = patterns[in.ConsumeIntegralInRange<size_t>(0, 3)];
    std::string reply;
    while (in.remaining_bytes() > 0 && reply.size() < pharos::health::kMaxTcpReply) {
        std::string chunk = in.ConsumeRandomLengthString(1024);
        reply.append(chunk, 0, pharos::health::kMaxTcpReply - reply.size());
        if (std::regex_search(reply, re)) {
            break;
        }
    }
    return 0;
}
