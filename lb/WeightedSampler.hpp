#pragma once
// Weighted random choice of distinct members: how wrr, fogroup priority tiers, twrr and every
// `fallback: any` spread their answers.
//
// Why random and not a counter-based rotation (Polaris's): the backend cannot see DNS queries,
// only pdns's lookups, and pdns 4.7 sends a varying number of them per query (two identical
// ANY lookups for an A query of a remote-only name, one when its query cache holds the first,
// more in signed zones), always ANY, so an A and an AAAA query advance both families alike. A
// counter advanced per lookup therefore answers per query in a pattern set by pdns's internals:
// 1:3 weights came out 0.50/0.50, and 1:1 answered one member only. An independent draw per
// lookup gives every DNS query the same odds however many lookups it costs.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "conf/Config.hpp"

namespace pharos::lb {

class WeightedSampler {
  public:
    explicit WeightedSampler(uint64_t seed) : state_(seed) {}

    // splitmix64: fast, stateful, good enough for load spreading (not for secrets).
    uint64_t next() {
        uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    // Uniform in [0, n) for n > 0 (Lemire's multiply-shift; the bias is below 2^-50 for the
    // totals of weights pharos allows).
    uint64_t below(uint64_t n) { return uint64_t((unsigned __int128)next() * n >> 64); }

    // Appends min(count, candidates) distinct members for which allowed(i) holds and whose
    // weight is above 0, each included with probability proportional to its weight (capped at
    // 1: a member whose share exceeds 1/count is in every answer). So each member's share of
    // the records answered is its weight share whenever that is possible. Shares are counted
    // over records, not over first positions: pdns shuffles the records of an answer over UDP.
    template <typename Allowed>
    void draw(const conf::Pool& pool, size_t count, Allowed&& allowed, std::vector<uint32_t>& out);

  private:
    template <typename Allowed>
    void drawOne(const conf::Pool& pool, Allowed&& allowed, std::vector<uint32_t>& out);

    uint64_t state_;
    std::vector<uint32_t> candidates_;  // scratch for count > 1, kept to avoid allocating
};

template <typename Allowed>
void WeightedSampler::drawOne(const conf::Pool& pool, Allowed&& allowed,
                              std::vector<uint32_t>& out) {
    uint64_t total = 0;
    for (uint32_t i = 0; i < pool.members.size(); ++i) {
        total += allowed(i) ? uint64_t(pool.members[i].weight) : 0;
    }
    if (total == 0) {
        return;
    }
    uint64_t pick = below(total);
    for (uint32_t i = 0; i < pool.members.size(); ++i) {
        uint64_t w = allowed(i) ? uint64_t(pool.members[i].weight) : 0;
        if (pick < w) {
            out.push_back(i);
            return;
        }
        pick -= w;
    }
}

template <typename Allowed>
void WeightedSampler::draw(const conf::Pool& pool, size_t count, Allowed&& allowed,
                           std::vector<uint32_t>& out) {
    if (count == 1) {
        drawOne(pool, allowed, out);
        return;
    }
    candidates_.clear();
    uint64_t total = 0;
    uint64_t heaviest = 0;
    for (uint32_t i = 0; i < pool.members.size(); ++i) {
        if (allowed(i) && pool.members[i].weight > 0) {
            candidates_.push_back(i);
            total += uint64_t(pool.members[i].weight);
            heaviest = std::max(heaviest, uint64_t(pool.members[i].weight));
        }
    }
    if (candidates_.size() <= count) {
        out.insert(out.end(), candidates_.begin(), candidates_.end());
        return;
    }
    // Members whose weight alone would claim a whole slot are in every answer; the others share
    // the slots left. Moving them to the front leaves [free, end) to be sampled.
    size_t slots = count;
    size_t free = 0;
    for (bool moved = count * heaviest >= total; moved && slots > 0;) {
        moved = false;
        for (size_t j = free; j < candidates_.size(); ++j) {
            uint64_t w = uint64_t(pool.members[candidates_[j]].weight);
            if (slots * w >= total) {
                std::swap(candidates_[j], candidates_[free++]);
                total -= w;
                --slots;
                moved = true;
            }
        }
    }
    out.insert(out.end(), candidates_.begin(), candidates_.begin() + long(free));
    // Systematic sampling: `slots` points `total` apart over the members laid end to end, each
    // `slots * weight` long (less than `total`, so no member is hit twice).
    uint64_t point = below(total);
    uint64_t end = 0;
    for (size_t j = free; j < candidates_.size() && slots > 0; ++j) {
        end += slots * uint64_t(pool.members[candidates_[j]].weight);
        if (point < end) {
            out.push_back(candidates_[j]);
            point += total;
        }
    }
}

}  // namespace pharos::lb
