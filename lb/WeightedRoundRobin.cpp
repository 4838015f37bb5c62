// wrr: weighted round-robin over the usable members (Polaris), max_addrs_returned distinct
// addresses per answer.
#include "lb/ClientAddress.hpp"
#include "lb/Fallback.hpp"
#include "lb/Methods.hpp"

namespace pharos::lb {
namespace {

class WeightedRoundRobin final : public Balancer {
  public:
    explicit WeightedRoundRobin(const conf::Pool& pool) : pool_(pool), rotation_(pool, 2) {}

    void decide(std::span<const Health> health, const Client& client, Answer& out,
                Trace* trace) const override {
        chooseClient(pool_, client, trace);
        traceUnusable(pool_, health, trace);
        rotation_.take(
            0, size_t(pool_.max_addrs_returned),
            [&](uint32_t i) { return usable(pool_.members[i], health[i]); }, out.members);
        if (out.members.empty()) {
            answerFallback(pool_, rotation_, 1, out, trace);
        }
    }

  private:
    const conf::Pool& pool_;
    Rotation rotation_;
};

}  // namespace

std::unique_ptr<Balancer> makeWeightedRoundRobin(const conf::Pool& pool) {
    return std::make_unique<WeightedRoundRobin>(pool);
}

}  // namespace pharos::lb
