// What a tcp member sends back, in the pieces the tcp monitor reads it in, matched against
// match_re patterns operators write, through the monitor's own TcpReply. A search that backtracks
// without bound shows as a timeout (std::regex did, on 979 bytes: see README.md).
#include <fuzzer/FuzzedDataProvider.h>

#include "health/checks/TcpReply.hpp"

using pharos::conf::ReplyPattern;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const ReplyPattern patterns[] = {
        ReplyPattern("^\\+OK", ReplyPattern::Case::Ignored),
        ReplyPattern("ready|pong", ReplyPattern::Case::Ignored),
        ReplyPattern("^[0-9]{3} .*server", ReplyPattern::Case::Ignored),
        ReplyPattern("(a|b)*c", ReplyPattern::Case::Ignored),
    };
    FuzzedDataProvider in(data, size);
    pharos::health::TcpReply reply(patterns[in.ConsumeIntegralInRange<size_t>(0, 3)]);
    while (in.remaining_bytes() > 0) {
        if (reply.add(in.ConsumeRandomLengthString(1024)) !=
            pharos::health::TcpReply::Verdict::NeedMore) {
            break;
        }
    }
    return 0;
}
