#include "state/BackendStats.hpp"

#include <unistd.h>

#include <new>

namespace pharos::state {

StatsLayout StatsLayout::of(uint32_t globalnames, uint32_t slots) {
    StatsLayout l;
    l.counters = (sizeof(StatsHeader) + 63) / 64 * 64;
    l.names = l.counters + (sizeof(BackendCounters) + 63) / 64 * 64;
    l.answers = l.names + globalnames * sizeof(NameCounters);
    l.bytes = l.answers + slots * sizeof(Counter);
    return l;
}

std::string statsBlockName(const conf::Settings& settings) {
    return settings.health_table + "-backend";
}

BackendStats::BackendStats(const std::string& name, const std::string& group,
                           const conf::Config& config, int64_t started_ms,
                           const BackendStats* previous, const conf::Config* previous_config) {
    auto names = uint32_t(config.globalnames.size());
    StatsLayout layout = StatsLayout::of(names, config.slot_count);
    std::string staging = name + ".new." + std::to_string(getpid());
    char* base;
    if (name.empty()) {
        heap_.assign((layout.bytes + 7) / 8, 0);
        base = reinterpret_cast<char*>(heap_.data());
    } else {
        memory_ = state::SharedMemory::create(staging, layout.bytes, group);
        base = static_cast<char*>(memory_.data());  // zero-filled by the kernel
    }
    header_ = new (base) StatsHeader{};
    counters_ = new (base + layout.counters) BackendCounters{};
    names_ = new (base + layout.names) NameCounters[names]{};
    answers_ = new (base + layout.answers) Counter[config.slot_count]{};
    header_->version = kStatsVersion;
    header_->globalname_count = names;
    header_->slot_count = config.slot_count;
    header_->pid = int32_t(getpid());
    header_->layout_hash = config.layout_hash;
    header_->started_ms = started_ms;
    if (previous && previous_config) {
        carryOver(*previous, *previous_config, config);
    }
    header_->magic.store(kStatsMagic, std::memory_order_release);
    if (!name.empty()) {
        name_ = name;
        staging_ = staging;
    }
}

void BackendStats::publish(BackendStats* previous) {
    if (!staging_.empty()) {
        state::renameSharedMemory(staging_, name_);
        staging_.clear();
    }
    if (previous) {
        previous->header_->retired.store(1, std::memory_order_release);
    }
}

BackendStats::~BackendStats() {
    if (!staging_.empty()) {  // built for a reload that never took effect
        state::unlinkSharedMemory(staging_);
    }
}

void BackendStats::carryTotals(const BackendStats& previous) {
    auto copy = [](Counter& to, const Counter& from) { to.set(from); };
    copy(header_->reloads, previous.header_->reloads);
    copy(header_->reload_failures, previous.header_->reload_failures);
    // BackendCounters is nothing but Counters, laid out as an array of them.
    auto* to = reinterpret_cast<Counter*>(counters_);
    const auto* from = reinterpret_cast<const Counter*>(previous.counters_);
    for (size_t i = 0; i < sizeof(BackendCounters) / sizeof(Counter); ++i) {
        copy(to[i], from[i]);
    }
}

void BackendStats::carryOver(const BackendStats& previous, const conf::Config& before,
                             const conf::Config& after) {
    auto copy = [](Counter& to, const Counter& from) { to.set(from); };
    for (size_t i = 0; i < after.globalnames.size(); ++i) {
        if (const auto* old = before.findGlobalName(after.globalnames[i].name)) {
            const NameCounters& o = previous.names_[size_t(old - before.globalnames.data())];
            copy(names_[i].queries, o.queries);
            copy(names_[i].fallback, o.fallback);
            copy(names_[i].refused, o.refused);
            copy(names_[i].fail_open, o.fail_open);
        }
    }
    for (const auto& pool : after.pools) {
        int p = before.poolIndex(pool.name);
        if (p < 0) {
            continue;
        }
        const auto& old_pool = before.pools[size_t(p)];
        for (size_t i = 0; i < pool.members.size(); ++i) {
            for (size_t j = 0; j < old_pool.members.size(); ++j) {
                if (conf::memberTarget(old_pool.members[j]) ==
                    conf::memberTarget(pool.members[i])) {
                    copy(answers_[pool.first_slot + i], previous.answers_[old_pool.first_slot + j]);
                }
            }
        }
    }
}

}  // namespace pharos::state
