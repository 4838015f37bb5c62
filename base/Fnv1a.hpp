#pragma once
// FNV-1a, 64 bits: a hash that is the same on every build and machine (std::hash is not), for
// what two processes or two nodes must compute alike: the configuration's layout hash, member
// keys in the table, and the spreading of connections.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace pharos::base {

struct Fnv1a {
    uint64_t value = 0xcbf29ce484222325ULL;

    void add(const void* data, size_t size) {
        auto* bytes = static_cast<const uint8_t*>(data);
        for (size_t i = 0; i < size; ++i) {
            value = (value ^ bytes[i]) * 0x100000001b3ULL;
        }
    }
    void add(std::string_view text) { add(text.data(), text.size()); }
};

}  // namespace pharos::base
