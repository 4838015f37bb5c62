#pragma once
// Weighted round-robin over a changing set of members with exact shares. One shuffled cycle
// holds every weight>0 member `weight` times (as in Polaris). A query walks the cycle
// restricted to the members it may use, so over any whole cycle each of them appears exactly
// `weight` times, however many others are down. The restricted cycle is cached per candidate
// set and rebuilt only when that set changes; each set has its own counter, which health
// changes do not reset (Polaris resets its index on every change).
#include <atomic>
#include <memory>
#include <span>
#include <vector>

#include "conf/Config.hpp"

namespace pharos::lb {

class Rotation {
  public:
    // `sets` is how many independent candidate sets (e.g. regions) the caller will use.
    Rotation(const conf::Pool& pool, size_t sets);

    // Appends up to `count` distinct members for which `allowed(i)` holds, taken in cycle order
    // from set `set`'s position, and advances that position.
    template <typename Allowed>
    void take(size_t set, size_t count, Allowed&& allowed, std::vector<uint32_t>& out) const;

  private:
    struct Restricted {
        uint64_t signature;
        std::vector<uint32_t> order;  // the cycle with disallowed members removed
        uint32_t distinct;
    };
    template <typename Allowed>
    std::shared_ptr<const Restricted> restricted(size_t set, uint64_t signature,
                                                 Allowed&& allowed) const;

    std::vector<uint32_t> cycle_;
    size_t members_;
    mutable std::unique_ptr<std::atomic<uint64_t>[]> counters_;
    mutable std::unique_ptr<std::atomic<std::shared_ptr<const Restricted>>[]> cache_;
};

template <typename Allowed>
std::shared_ptr<const Rotation::Restricted> Rotation::restricted(size_t set, uint64_t signature,
                                                                 Allowed&& allowed) const {
    auto cached = cache_[set].load(std::memory_order_acquire);
    if (cached && cached->signature == signature) {
        return cached;
    }
    auto fresh = std::make_shared<Restricted>();
    fresh->signature = signature;
    std::vector<bool> seen(members_);
    for (uint32_t m : cycle_) {
        if (allowed(m)) {
            fresh->order.push_back(m);
            fresh->distinct += !seen[m];
            seen[m] = true;
        }
    }
    cache_[set].store(fresh, std::memory_order_release);
    return fresh;
}

template <typename Allowed>
void Rotation::take(size_t set, size_t count, Allowed&& allowed, std::vector<uint32_t>& out) const {
    // The signature names the allowed set; the cached cycle is used only when it matches.
    uint64_t signature = 0xcbf29ce484222325ULL;
    for (uint32_t i = 0; i < members_; ++i) {
        signature = (signature ^ (allowed(i) ? i + 1 : 0)) * 0x100000001b3ULL;
    }
    auto r = restricted(set, signature, allowed);
    if (r->order.empty()) {
        return;
    }
    size_t want = std::min<size_t>(count, r->distinct);
    uint64_t start = counters_[set].fetch_add(want, std::memory_order_relaxed);
    size_t first = out.size();
    for (size_t step = 0; out.size() - first < want && step < r->order.size(); ++step) {
        uint32_t m = r->order[(start + step) % r->order.size()];
        if (!allowed(m)) {
            continue;  // only if two sets ever shared a signature: never answer a wrong member
        }
        bool duplicate = false;
        for (size_t j = first; j < out.size(); ++j) {
            duplicate = duplicate || out[j] == m;
        }
        if (!duplicate) {
            out.push_back(m);
        }
    }
}

}  // namespace pharos::lb
