#include "lb/TopologyIndex.hpp"

#include <algorithm>

namespace pharos::lb {

TopologyIndex::Key TopologyIndex::keyOf(const base::IpAddress& address, int prefix) {
    base::IpAddress masked = address.masked(prefix);
    Key k;
    for (int i = 0; i < 8; ++i) {
        k.hi = k.hi << 8 | masked.bytes[size_t(i)];
        k.lo = k.lo << 8 | masked.bytes[size_t(i + 8)];
    }
    return k;
}

TopologyIndex::TopologyIndex(const conf::Topology& topology) {
    for (size_t r = 0; r < topology.regions.size(); ++r) {
        for (const auto& cidr : topology.regions[r].cidrs) {
            auto& lengths = cidr.address.family == base::Family::V4 ? v4_ : v6_;
            auto it = std::find_if(lengths.begin(), lengths.end(),
                                   [&](const Length& l) { return l.prefix == cidr.prefix; });
            if (it == lengths.end()) {
                lengths.push_back({cidr.prefix, {}});
                it = lengths.end() - 1;
            }
            it->entries.push_back({keyOf(cidr.address, cidr.prefix), int(r)});
        }
    }
    for (auto* lengths : {&v4_, &v6_}) {
        std::sort(lengths->begin(), lengths->end(),
                  [](const Length& a, const Length& b) { return a.prefix > b.prefix; });
        for (auto& l : *lengths) {
            std::sort(l.entries.begin(), l.entries.end(),
                      [](const Entry& a, const Entry& b) { return a.network < b.network; });
        }
        markNested(*lengths);
    }
}

// For each prefix, whether a longer one lies inside it: those keys sort between the prefix's
// own network and the network with every host bit set.
void TopologyIndex::markNested(std::vector<Length>& lengths) {
    for (size_t outer = 0; outer < lengths.size(); ++outer) {
        for (auto& e : lengths[outer].entries) {
            Key last = e.network;
            int host_bits = 128 - lengths[outer].prefix;
            if (host_bits >= 64) {
                last.lo = ~0ULL;
                int hi_bits = host_bits - 64;  // 0 to 64; a shift by 64 would be undefined
                last.hi |= hi_bits == 64 ? ~0ULL : hi_bits == 0 ? 0 : (~0ULL >> (64 - hi_bits));
            } else if (host_bits > 0) {
                last.lo |= ~0ULL >> (64 - host_bits);
            }
            for (size_t inner = 0; inner < outer && !e.more_specific_inside; ++inner) {
                const auto& v = lengths[inner].entries;
                auto it =
                    std::lower_bound(v.begin(), v.end(), e.network,
                                     [](const Entry& x, const Key& k) { return x.network < k; });
                e.more_specific_inside = it != v.end() && it->network <= last;
            }
        }
    }
}

TopologyIndex::Match TopologyIndex::search(const std::vector<Length>& lengths,
                                           const base::IpAddress& address) {
    for (const auto& l : lengths) {
        Key k = keyOf(address, l.prefix);
        auto it = std::lower_bound(l.entries.begin(), l.entries.end(), k,
                                   [](const Entry& e, const Key& key) { return e.network < key; });
        if (it != l.entries.end() && it->network == k) {
            return {it->region, l.prefix, it->more_specific_inside};
        }
    }
    return {};
}

TopologyIndex::Match TopologyIndex::find(const base::IpAddress& address) const {
    return search(address.family == base::Family::V4 ? v4_ : v6_, address);
}

}  // namespace pharos::lb
