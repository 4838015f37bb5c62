#pragma once
// Longest-prefix match from an address to a topology region, for IPv4 and IPv6. Built once per
// configuration; find() is a binary search per prefix length present in the topology, so its
// cost grows with the number of distinct lengths (at most 33 or 129), not with the number of
// prefixes.
#include <cstdint>
#include <vector>

#include "conf/Config.hpp"

namespace pharos::lb {

class TopologyIndex {
  public:
    TopologyIndex() = default;
    explicit TopologyIndex(const conf::Topology& topology);

    struct Match {
        int region = -1;  // index into conf::Topology::regions; -1: in no region
        int prefix = 0;   // length of the matched prefix
        // Some longer prefix of the topology lies inside the matched one, so the answer does
        // not hold for the whole matched prefix (ECS scope must be narrower).
        bool more_specific_inside = false;
    };
    Match find(const base::IpAddress& address) const;
    bool empty() const { return v4_.empty() && v6_.empty(); }

  private:
    struct Key {
        uint64_t hi = 0, lo = 0;
        friend auto operator<=>(const Key&, const Key&) = default;
    };
    struct Entry {
        Key network;
        int region;
        bool more_specific_inside = false;
    };
    struct Length {
        int prefix;
        std::vector<Entry> entries;  // sorted by network
    };
    static Key keyOf(const base::IpAddress& address, int prefix);
    static Match search(const std::vector<Length>& lengths, const base::IpAddress& address);
    static void markNested(std::vector<Length>& lengths);

    std::vector<Length> v4_;  // longest prefix first
    std::vector<Length> v6_;
};

}  // namespace pharos::lb
