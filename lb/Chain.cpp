#include "lb/Chain.hpp"

#include "lb/FallbackChain.hpp"

namespace pharos::lb {
namespace {

// Whether `pool` or a pool its fallback chain may visit has cname members.
bool chainHasCname(const conf::Config& config, const conf::Pool& pool) {
    const conf::Pool* at = &pool;
    for (size_t step = 0; at && step <= config.pools.size(); ++step) {
        if (at->has_cname) {
            return true;
        }
        at = at->fallback_pool_index < 0 ? nullptr : &config.pools[size_t(at->fallback_pool_index)];
    }
    return false;
}

constexpr base::Family kBoth[] = {base::Family::V4, base::Family::V6};
constexpr base::Family kV6[] = {base::Family::V6};

}  // namespace

Chain::Chain(const conf::Config& config, VerdictSource& verdicts, Build build)
    : config_(config), source_(verdicts), index_(config.topology), balancers_(config.pools.size()) {
    whole_.reserve(config.pools.size());
    for (const auto& pool : config.pools) {
        whole_.push_back(chainHasCname(config, pool));
    }
    if (build == Build::Eager) {
        for (size_t p = 0; p < config.pools.size(); ++p) {
            balancer(p);
        }
    }
}

Chain::~Chain() = default;

const PoolBalancer& Chain::balancer(size_t pool) {
    auto& b = balancers_[pool];
    if (!b) {
        b.emplace(config_.pools[pool], config_.topology, index_);
    }
    return *b;
}

std::span<const base::Family> Chain::families(size_t pool) {
    if (whole_[pool]) {
        return std::span(kBoth, 1);
    }
    const PoolBalancer& b = balancer(pool);
    bool v4 = b.serves(base::Family::V4);
    bool v6 = b.serves(base::Family::V6);
    return v4 ? std::span(kBoth, v6 ? 2 : 1) : std::span(kV6, v6 ? 1 : 0);
}

std::span<const Health> Chain::verdicts(size_t pool, bool& trusted) {
    const conf::Pool& p = config_.pools[pool];
    verdicts_.resize(p.members.size());
    trusted = source_.fill(config_, p, verdicts_) && trusted;
    return verdicts_;
}

const Decision& Chain::decide(size_t pool, base::Family family, const Client& client,
                              WeightedSampler& sampler, ChainTrace* trace) {
    Decision& d = decision_;
    d.trusted = true;
    if (trace) {
        trace->steps.clear();
    }
    auto balancer_of = [&](size_t at) -> const PoolBalancer& { return balancer(at); };
    auto health_of = [&](size_t at) { return verdicts(at, d.trusted); };
    auto trace_of = [&](size_t, size_t at) -> Trace* {
        if (!trace) {
            return nullptr;
        }
        trace->steps.push_back({at, Trace{}});
        return &trace->steps.back().trace;
    };
    d.pool = decideWithFallbacks(config_, pool, family, balancer_of, health_of, trace_of, client,
                                 sampler, d.answer);
    d.scope_mask = scopeMaskFor(d.answer, client);
    return d;
}

}  // namespace pharos::lb
