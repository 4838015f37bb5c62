// wrr: a weighted draw over the usable members (Polaris's weighted rotation, drawn per lookup:
// see WeightedSampler.hpp), max_addrs_returned distinct addresses per answer. The answer does
// not depend on the client, so pdns may cache it.
#include "lb/ClientAddress.hpp"
#include "lb/Fallback.hpp"
#include "lb/Methods.hpp"

namespace pharos::lb {
namespace {

class WeightedRoundRobin final : public Balancer {
  public:
    explicit WeightedRoundRobin(const conf::Pool& pool) : pool_(pool) {}

    void decide(std::span<const Health> health, const Client& client, WeightedSampler& sampler,
                Answer& out, Trace* trace) const override {
        chooseClient(pool_, client, trace);
        traceUnusable(pool_, health, trace);
        sampler.draw(
            pool_, size_t(pool_.max_addrs_returned),
            [&](uint32_t i) { return usable(pool_.members[i], health[i]); }, out.members);
        if (out.members.empty()) {
            answerFallback(pool_, health, sampler, out, trace);
        }
    }

  private:
    const conf::Pool& pool_;
};

}  // namespace

std::unique_ptr<Balancer> makeWeightedRoundRobin(const conf::Pool& pool) {
    return std::make_unique<WeightedRoundRobin>(pool);
}

}  // namespace pharos::lb
