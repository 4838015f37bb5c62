// Votes come from other nodes through etcd: decodeVote must never crash or throw, and what it
// accepts must survive a round trip through encodeVote.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cluster/VoteCodec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    auto vote = pharos::cluster::decodeVote(text);
    if (vote) {
        auto again = pharos::cluster::decodeVote(pharos::cluster::encodeVote(*vote, 1));
        if (!again || !(*again == *vote)) {
            std::abort();
        }
    }
    return 0;
}
