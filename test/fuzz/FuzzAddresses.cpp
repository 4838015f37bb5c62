// Addresses and CIDRs as configurations and pdns's real-remote give them, and the topology
// index built from parsed prefixes: longest-prefix match must agree with a plain scan.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdlib>

#include "conf/Config.hpp"
#include "lb/TopologyIndex.hpp"

using namespace pharos;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzedDataProvider in(data, size);
    conf::Topology topology;
    topology.regions.resize(3);
    std::vector<std::pair<base::Cidr, int>> all;
    while (in.remaining_bytes() > 0 && all.size() < 64) {
        std::string text = in.ConsumeRandomLengthString(64);
        base::IpAddress::parse(text);
        auto cidr = base::Cidr::parse(text, in.ConsumeBool());
        if (!cidr) {
            continue;
        }
        if (cidr->address.masked(cidr->prefix) != cidr->address || !cidr->contains(cidr->address)) {
            std::abort();
        }
        bool duplicate = false;
        for (const auto& [c, r] : all) {
            duplicate = duplicate || c == *cidr;
        }
        if (!duplicate && cidr->address == cidr->address.masked(cidr->prefix)) {
            int region = int(all.size() % 3);
            topology.regions[size_t(region)].cidrs.push_back(*cidr);
            all.push_back({*cidr, region});
        }
    }
    lb::TopologyIndex index(topology);
    for (const auto& [probe, unused] : all) {
        auto match = index.find(probe.address);
        int best = -1, best_prefix = -1;
        for (const auto& [c, r] : all) {
            if (c.contains(probe.address) && c.prefix > best_prefix) {
                best = r;
                best_prefix = c.prefix;
            }
        }
        if (match.region != best || (best >= 0 && match.prefix != best_prefix)) {
            std::abort();
        }
    }
    return 0;
}
