#include "base/IpAddress.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace pharos::base {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    if (text.empty() || text.size() > 45) {
        return std::nullopt;
    }
    char buf[46];
    text.copy(buf, text.size());
    buf[text.size()] = '\0';
    IpAddress ip;
    if (text.find(':') == std::string_view::npos) {
        ip.family = Family::V4;
        if (inet_pton(AF_INET, buf, ip.bytes.data()) == 1) {
            return ip;
        }
        return std::nullopt;
    }
    ip.family = Family::V6;
    if (inet_pton(AF_INET6, buf, ip.bytes.data()) == 1) {
        return ip;
    }
    return std::nullopt;
}

std::string IpAddress::str() const {
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(family == Family::V4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
    return buf;
}

IpAddress IpAddress::masked(int prefix) const {
    IpAddress out = *this;
    for (int i = 0; i < 16; ++i) {
        int keep = prefix - i * 8;
        if (keep >= 8) {
            continue;
        }
        out.bytes[i] = keep <= 0 ? 0 : uint8_t(out.bytes[i] & (0xFF << (8 - keep)));
    }
    return out;
}

std::optional<Cidr> Cidr::parse(std::string_view text, bool strict) {
    auto slash = text.find('/');
    auto ip = IpAddress::parse(text.substr(0, slash));
    if (!ip) {
        return std::nullopt;
    }
    Cidr cidr{*ip, ip->bitLength()};
    if (slash != std::string_view::npos) {
        auto digits = text.substr(slash + 1);
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cidr.prefix);
        if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty() ||
            cidr.prefix < 0 || cidr.prefix > ip->bitLength()) {
            return std::nullopt;
        }
    }
    IpAddress network = ip->masked(cidr.prefix);
    if (strict && network != *ip) {
        return std::nullopt;
    }
    cidr.address = network;
    return cidr;
}

std::string Cidr::str() const {
    return address.str() + "/" + std::to_string(prefix);
}

bool Cidr::contains(const IpAddress& ip) const {
    return ip.family == address.family && ip.masked(prefix) == address;
}

}  // namespace pharos::base
