#include "lb/VerdictSnapshot.hpp"

#include <algorithm>

namespace pharos::lb {

bool VerdictSnapshot::fill(const conf::Config& config, const conf::Pool& pool,
                           std::span<Health> out) {
    auto [it, fresh] = kept_.try_emplace(&pool);
    Kept& kept = it->second;
    if (fresh) {
        kept.verdicts.resize(pool.members.size());
        kept.trusted = from_.fill(config, pool, kept.verdicts);
    }
    std::copy(kept.verdicts.begin(), kept.verdicts.end(), out.begin());
    return kept.trusted;
}

}  // namespace pharos::lb
