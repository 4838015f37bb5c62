// chash (pharos): rendezvous hashing of the client's subnet (/24, /56 by default) over the
// usable members, weighted. A subnet keeps its member while that member is usable, and when
// one fails only its own clients move. When no member is usable, fallback `any` spreads the
// answers like every other method: a client pinned to one dead member would stay unserved.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "lb/ClientAddress.hpp"
#include "lb/Fallback.hpp"
#include "lb/Methods.hpp"

namespace pharos::lb {
namespace {

uint64_t mix(uint64_t x) {  // splitmix64 finaliser
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t hashAddress(const base::IpAddress& ip) {
    uint64_t hi = 0, lo = 0;
    std::memcpy(&hi, ip.bytes.data(), 8);
    std::memcpy(&lo, ip.bytes.data() + 8, 8);
    return mix(mix(hi ^ (uint64_t(ip.family) + 1)) ^ lo);
}

uint64_t hashMember(const conf::Member& m) {
    if (!m.isCname()) {
        return hashAddress(m.ip);
    }
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (char c : m.cname) {
        h = mix(h ^ uint8_t(c));
    }
    return h;
}

class ConsistentHash final : public Balancer {
  public:
    explicit ConsistentHash(const conf::Pool& pool) : pool_(pool) {
        for (const auto& m : pool.members) {
            member_hash_.push_back(hashMember(m));  // by target: reordering keeps clients
            equal_weights_ = equal_weights_ && m.weight == pool.members[0].weight;
        }
    }

    void decide(std::span<const Health> health, const Client& client, WeightedSampler& sampler,
                Answer& out, Trace* trace) const override {
        ClientView view = chooseClient(pool_, client, trace);
        int prefix =
            view.address.family == base::Family::V4 ? pool_.chash_prefix_v4 : pool_.chash_prefix_v6;
        uint64_t key = hashAddress(view.address.masked(prefix));
        dependOn(view, prefix, out);
        traceUnusable(pool_, health, trace);
        pick(
            key, [&](uint32_t i) { return usable(pool_.members[i], health[i]); }, out);
        if (out.members.empty()) {
            answerFallback(pool_, health, sampler, out, trace);
        }
    }

  private:
    // log2 for x in (0, 1), monotonic and exact enough to weigh members: the ordering only
    // has to be the same every time, and this costs a fraction of std::log.
    static double fastLog2(double x) {
        int exponent;
        double m = 2 * std::frexp(x, &exponent);  // m in [1, 2)
        return double(exponent - 1) + (-0.34484843 * m + 2.02466578) * m - 1.67487759;
    }

    // Weighted rendezvous: score = -weight / log(u), u uniform in (0,1) from hash(key, member).
    // With equal weights the order of u alone decides, so no logarithm is needed.
    double score(uint64_t key, uint32_t i) const {
        double u = (double(mix(key ^ member_hash_[i]) >> 11) + 0.5) / double(1ULL << 53);
        return equal_weights_ ? u : -double(pool_.members[i].weight) / fastLog2(u);
    }

    template <typename Allowed>
    void pick(uint64_t key, Allowed&& allowed, Answer& out) const {
        size_t want = size_t(pool_.max_addrs_returned);
        scores_.clear();
        for (uint32_t i = 0; i < pool_.members.size(); ++i) {
            if (!allowed(i)) {
                continue;
            }
            double s = score(key, i);
            size_t pos = scores_.size();
            while (pos > 0 && scores_[pos - 1] < s) {
                --pos;
            }
            if (pos < want) {
                scores_.insert(scores_.begin() + long(pos), s);
                out.members.insert(out.members.begin() + long(pos), i);
                if (out.members.size() > want) {
                    out.members.pop_back();
                    scores_.pop_back();
                }
            }
        }
    }

    const conf::Pool& pool_;
    std::vector<uint64_t> member_hash_;
    bool equal_weights_ = true;
    // Scratch for pick(), kept to avoid allocating per query. The backend decides on one
    // thread; a Balancer shared across threads would need one per thread.
    mutable std::vector<double> scores_;
};

}  // namespace

std::unique_ptr<Balancer> makeConsistentHash(const conf::Pool& pool) {
    return std::make_unique<ConsistentHash>(pool);
}

}  // namespace pharos::lb
