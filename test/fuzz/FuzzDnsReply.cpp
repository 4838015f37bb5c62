// What a dns member sends back, through the dns monitor's bounds-checked parser.
#include <cstdlib>

#include "health/checks/DnsMessage.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto reply = pharos::health::parseDnsReply({data, size});
    if (reply && reply->answers.size() > size) {
        std::abort();  // every answer takes bytes of the message
    }
    return 0;
}
