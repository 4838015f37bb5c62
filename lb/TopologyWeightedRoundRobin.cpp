// twrr: weighted round-robin among the usable members of the client's region (Polaris); when
// the region is unknown or has none, among the usable members of every region, or with the
// pharos `topology_fallback: nearest`, of the client region's neighbours first, in order.
#include "lb/ClientAddress.hpp"
#include "lb/Fallback.hpp"
#include "lb/Methods.hpp"

namespace pharos::lb {
namespace {

class TopologyWeightedRoundRobin final : public Balancer {
  public:
    TopologyWeightedRoundRobin(const conf::Pool& pool, const conf::Topology& topology,
                               const TopologyIndex& index)
        : pool_(pool),
          topology_(topology),
          index_(index),
          regions_(topology.regions.size()),
          rotation_(pool, regions_ + 2) {}

    void decide(std::span<const Health> health, const Client& client, Answer& out,
                Trace* trace) const override {
        ClientView view = chooseClient(pool_, client, trace);
        TopologyIndex::Match match = index_.find(view.address);
        if (view.from_ecs) {
            // The answer holds for every client sharing the matched prefix, unless a more
            // specific region sits inside it; then only for the subnet the resolver sent.
            out.scope_prefix = match.region >= 0 && !match.more_specific_inside
                                   ? match.prefix
                                   : view.source_prefix;
        }
        if (trace) {
            trace->region = match.region;
            trace->region_prefix = match.prefix;
        }
        traceUnusable(pool_, health, trace);
        if (match.region >= 0 && takeRegion(size_t(match.region), health, out)) {
            traceOtherRegions(health, match.region, trace);
            return;
        }
        if (match.region >= 0 && pool_.topology_fallback == conf::TopologyFallback::Nearest) {
            for (int neighbour : topology_.regions[size_t(match.region)].neighbours) {
                if (takeRegion(size_t(neighbour), health, out)) {
                    note(trace, "no usable member in the client's region: nearest neighbour " +
                                    topology_.regions[size_t(neighbour)].name);
                    traceOtherRegions(health, neighbour, trace);
                    return;
                }
            }
        }
        rotation_.take(
            regions_, size_t(pool_.max_addrs_returned),
            [&](uint32_t i) { return usable(pool_.members[i], health[i]); }, out.members);
        if (!out.members.empty()) {
            note(trace, match.region < 0 ? "client in no region: any region"
                                         : "no usable member in the client's region: any region");
            return;
        }
        answerFallback(pool_, rotation_, regions_ + 1, out, trace);
    }

  private:
    bool takeRegion(size_t region, std::span<const Health> health, Answer& out) const {
        rotation_.take(
            region, size_t(pool_.max_addrs_returned),
            [&](uint32_t i) {
                return pool_.members[i].region == int(region) &&
                       usable(pool_.members[i], health[i]);
            },
            out.members);
        return !out.members.empty();
    }

    void traceOtherRegions(std::span<const Health> health, int region, Trace* trace) const {
        if (!trace) {
            return;
        }
        for (uint32_t i = 0; i < pool_.members.size(); ++i) {
            if (usable(pool_.members[i], health[i]) && pool_.members[i].region != region) {
                trace->skipped.push_back({i, "other region"});
            }
        }
    }

    static void note(Trace* trace, std::string text) {
        if (trace) {
            trace->notes.push_back(std::move(text));
        }
    }

    const conf::Pool& pool_;
    const conf::Topology& topology_;
    const TopologyIndex& index_;
    size_t regions_;
    Rotation rotation_;  // one set per region, then "any region", then the fallback
};

}  // namespace

std::unique_ptr<Balancer> makeTopologyWeightedRoundRobin(const conf::Pool& pool,
                                                         const conf::Topology& topology,
                                                         const TopologyIndex& index) {
    return std::make_unique<TopologyWeightedRoundRobin>(pool, topology, index);
}

}  // namespace pharos::lb
