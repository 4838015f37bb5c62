#pragma once
// An IPv4 or IPv6 address and a CIDR prefix, as plain values: shared by the config, the
// topology lookup and the backend, so all three parse and compare addresses one way.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pharos::base {

enum class Family : uint8_t { V4, V6 };

struct IpAddress {
    Family family = Family::V4;
    // IPv4 uses bytes[0..3]; the rest stay zero so equality and hashing are plain byte work.
    std::array<uint8_t, 16> bytes{};

    static std::optional<IpAddress> parse(std::string_view text);
    std::string str() const;
    int bitLength() const { return family == Family::V4 ? 32 : 128; }
    bool bit(int index) const { return (bytes[index / 8] >> (7 - index % 8)) & 1; }
    IpAddress masked(int prefix) const;
    uint32_t v4() const {
        return uint32_t(bytes[0]) << 24 | uint32_t(bytes[1]) << 16 | uint32_t(bytes[2]) << 8 |
               bytes[3];
    }
    friend bool operator==(const IpAddress&, const IpAddress&) = default;
    friend auto operator<=>(const IpAddress&, const IpAddress&) = default;
};

struct Cidr {
    IpAddress address;
    int prefix = 0;

    // Strict: host bits must be zero ("10.0.0.1/8" is rejected), as Polaris requires.
    // A bare address is a full-length prefix.
    static std::optional<Cidr> parse(std::string_view text, bool strict = true);
    std::string str() const;
    bool contains(const IpAddress& ip) const;
    friend bool operator==(const Cidr&, const Cidr&) = default;
};

}  // namespace pharos::base
