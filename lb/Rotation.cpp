#include "lb/Rotation.hpp"

#include <algorithm>
#include <random>

namespace pharos::lb {

Rotation::Rotation(const conf::Pool& pool, size_t sets)
    : members_(pool.members.size()),
      counters_(new std::atomic<uint64_t>[sets]),
      cache_(new std::atomic<std::shared_ptr<const Restricted>>[sets]) {
    for (uint32_t i = 0; i < pool.members.size(); ++i) {
        cycle_.insert(cycle_.end(), size_t(pool.members[i].weight), i);
    }
    // Shuffled like Polaris's rotation, but seeded from the pool's name so every pharos
    // process (and every test run) deals the same cycle.
    std::seed_seq seed(pool.name.begin(), pool.name.end());
    std::mt19937 random(seed);
    std::shuffle(cycle_.begin(), cycle_.end(), random);
    for (size_t s = 0; s < sets; ++s) {
        counters_[s].store(0);
    }
}

}  // namespace pharos::lb
