// twrr: a weighted draw among the usable members of the client's region (Polaris); when the
// region is unknown or has none, among the usable members of every region, or with the pharos
// `topology_fallback: nearest`, of the client region's neighbours first, in order. Every answer
// but the all-down fallback depends on the client's region, and says how much of its address
// that took (the ECS scope), so no cache hands it to a client elsewhere.
#include "lb/ClientAddress.hpp"
#include "lb/Fallback.hpp"
#include "lb/Methods.hpp"

namespace pharos::lb {
namespace {

class TopologyWeightedRoundRobin final : public Balancer {
  public:
    TopologyWeightedRoundRobin(const conf::Pool& pool, const conf::Topology& topology,
                               const TopologyIndex& index)
        : pool_(pool), topology_(topology), index_(index), regions_(topology.regions.size()) {}

    void decide(std::span<const Health> health, const Client& client, WeightedSampler& sampler,
                Answer& out, Trace* trace) const override {
        ClientView view = chooseClient(pool_, client, trace);
        TopologyIndex::Match match = index_.find(view.address);
        // The answer holds for every client sharing the matched prefix, unless a more specific
        // region sits inside it; then only for the address or subnet the decision saw.
        dependOn(
            view,
            match.region >= 0 && !match.more_specific_inside ? match.prefix : view.source_prefix,
            out);
        if (trace) {
            trace->region = match.region;
            trace->region_prefix = match.prefix;
        }
        traceUnusable(pool_, health, trace);
        if (match.region >= 0 && takeRegion(size_t(match.region), health, sampler, out)) {
            traceOtherRegions(health, match.region, trace);
            return;
        }
        if (match.region >= 0 && pool_.topology_fallback == conf::TopologyFallback::Nearest) {
            for (int neighbour : topology_.regions[size_t(match.region)].neighbours) {
                if (takeRegion(size_t(neighbour), health, sampler, out)) {
                    note(trace, "no usable member in the client's region: nearest neighbour ",
                         topology_.regions[size_t(neighbour)].name);
                    traceOtherRegions(health, neighbour, trace);
                    return;
                }
            }
        }
        sampler.draw(
            pool_, size_t(pool_.max_addrs_returned),
            [&](uint32_t i) { return usable(pool_.members[i], health[i]); }, out.members);
        if (!out.members.empty()) {
            note(trace, match.region < 0 ? "client in no region: any region"
                                         : "no usable member in the client's region: any region");
            return;
        }
        answerFallback(pool_, health, sampler, out, trace);
    }

  private:
    bool takeRegion(size_t region, std::span<const Health> health, WeightedSampler& sampler,
                    Answer& out) const {
        sampler.draw(
            pool_, size_t(pool_.max_addrs_returned),
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

    // Builds the text only when tracing: the lookup path must not allocate.
    static void note(Trace* trace, std::string_view text, std::string_view more = {}) {
        if (trace) {
            trace->notes.push_back(std::string(text).append(more));
        }
    }

    const conf::Pool& pool_;
    const conf::Topology& topology_;
    const TopologyIndex& index_;
    size_t regions_;
};

}  // namespace

std::unique_ptr<Balancer> makeTopologyWeightedRoundRobin(const conf::Pool& pool,
                                                         const conf::Topology& topology,
                                                         const TopologyIndex& index) {
    return std::make_unique<TopologyWeightedRoundRobin>(pool, topology, index);
}

}  // namespace pharos::lb
