// What a tcp member sends back, in the pieces the tcp monitor reads it in, matched against
// match_re patterns operators write, through the monitor's own TcpReply, ended as the monitor
// ends it. A search that backtracks without bound, or a reply searched again per piece without
// bound, shows as a timeout (see README.md: both were found).
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
    using Verdict = pharos::health::TcpReply::Verdict;
    pharos::health::TcpReply reply(patterns[in.ConsumeIntegralInRange<size_t>(0, 3)]);
    Verdict verdict = Verdict::NeedMore;
    while (verdict == Verdict::NeedMore && in.remaining_bytes() > 0) {
        verdict = reply.add(in.ConsumeRandomLengthString(1024));
    }
    if (verdict == Verdict::NeedMore) {
        reply.finish();  // the member closed, or the check's deadline came
    }
    return 0;
}
