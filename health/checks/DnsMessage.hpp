#pragma once
// Just enough of the DNS wire format for the dns monitor: one query out, rcode and answer data
// back. Parsing is bounds-checked; a malformed reply yields nothing.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pharos::health {

std::vector<uint8_t> buildDnsQuery(uint16_t id, std::string_view name, uint16_t qtype);

struct DnsReply {
    uint16_t id = 0;
    int rcode = 0;
    std::vector<std::string> answers;  // A/AAAA as addresses, names as text, TXT as its text
};

std::optional<DnsReply> parseDnsReply(std::span<const uint8_t> message);

}  // namespace pharos::health
