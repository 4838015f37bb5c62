// The shared admin state comes from other nodes through etcd: decodeState must never crash or
// throw, and what it accepts must encode to keys that decode to the same state (so a node that
// adopts it and writes it back changes nothing). The input is one key per line, the key's part
// after the state prefix, a tab, then its value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "cluster/StateCodec.hpp"

namespace {

const std::string kPrefix = "/pharos/state/";

pharos::cluster::StateKeys keysOf(const std::string& text) {
    pharos::cluster::StateKeys keys;
    size_t at = 0;
    while (at <= text.size()) {
        size_t end = text.find('\n', at);
        std::string line = text.substr(at, end == std::string::npos ? std::string::npos : end - at);
        size_t tab = line.find('\t');
        keys[kPrefix + line.substr(0, tab)] = tab == std::string::npos ? "" : line.substr(tab + 1);
        if (end == std::string::npos) {
            break;
        }
        at = end + 1;
    }
    return keys;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace pharos::cluster;
    std::string text(reinterpret_cast<const char*>(data), size);
    DecodedState decoded = decodeState(kPrefix, keysOf(text));
    if (!decoded.state) {
        if (decoded.error.empty()) {
            std::abort();  // refused without saying why
        }
        return 0;
    }
    StateKeys encoded = encodeState(kPrefix, *decoded.state);
    DecodedState again = decodeState(kPrefix, encoded);
    if (!again.state || !again.ignored.empty() || encodeState(kPrefix, *again.state) != encoded ||
        !stateChanges(kPrefix, *decoded.state, *again.state).empty()) {
        std::abort();
    }
    return 0;
}
