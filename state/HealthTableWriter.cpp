#include "state/HealthTableWriter.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <unordered_map>

#include "base/Fnv1a.hpp"
#include "base/Log.hpp"
#include "base/ShmName.hpp"

namespace pharos::state {

namespace {
uint64_t inodeOf(const std::string& shm_name) {
    struct stat st {};
    return stat(base::shmPath(shm_name).c_str(), &st) == 0 ? uint64_t(st.st_ino) : 0;
}
}  // namespace

uint64_t memberKey(const std::string& pool, const conf::Member& m) {
    base::Fnv1a h;
    auto add = [&h](const void* p, size_t n) { h.add(p, n); };
    add(pool.data(), pool.size() + 1);
    if (m.isCname()) {
        add("N", 1);  // never the family byte of an address
        add(m.cname.data(), m.cname.size());
    } else {
        add(&m.ip.family, 1);
        add(m.ip.bytes.data(), m.ip.bytes.size());
    }
    return h.value;
}

HealthTableWriter::HealthTableWriter(const conf::Config& config, int64_t now_ms) {
    const std::string& name = config.settings.health_table;
    std::string staging = name + ".new." + std::to_string(getpid());
    memory_ =
        SharedMemory::create(staging, tableBytes(config.slot_count), config.settings.table_group);
    header_ = static_cast<TableHeader*>(memory_.data());
    initialise(config, now_ms);
    adoptFrom(name, config);
    renameSharedMemory(staging, name);
    inode_ = inodeOf(name);
}

bool HealthTableWriter::republishIfGone(const std::string& name, const std::string& group) {
    uint64_t now = inodeOf(name);
    if (now != 0 && now == inode_) {
        return false;
    }
    std::string staging = name + ".new." + std::to_string(getpid());
    size_t bytes = tableBytes(header_->slot_count);
    SharedMemory fresh = SharedMemory::create(staging, bytes, group);
    // A plain copy: this process is the only writer, and no reader maps the new object yet.
    std::memcpy(fresh.data(), memory_.data(), bytes);
    renameSharedMemory(staging, name);
    retire();
    memory_ = std::move(fresh);
    header_ = static_cast<TableHeader*>(memory_.data());
    header_->retired.store(0, std::memory_order_release);
    inode_ = inodeOf(name);
    return true;
}

void HealthTableWriter::initialise(const conf::Config& config, int64_t now_ms) {
    header_->layout_version = kLayoutVersion;
    header_->slot_count = config.slot_count;
    header_->layout_hash = config.layout_hash;
    header_->writer_pid = int32_t(getpid());
    header_->slot_size = sizeof(Slot);
    header_->created_ms = now_ms;
    header_->heartbeat_ms.store(now_ms);
    Slot* slots = slotsOf(header_);
    for (const auto& pool : config.pools) {
        for (size_t i = 0; i < pool.members.size(); ++i) {
            slots[pool.first_slot + i].key.store(memberKey(pool.name, pool.members[i]));
        }
    }
    header_->magic.store(kTableMagic, std::memory_order_release);
}

// Carries verdicts over from the object published under `name`, matching members by key, and
// retires that object so its readers move to the new one.
void HealthTableWriter::adoptFrom(const std::string& name, const conf::Config& config) {
    int fd = shm_open(name.c_str(), O_RDWR, 0);
    if (fd < 0) {
        return;
    }
    struct stat st {};
    void* p = MAP_FAILED;
    if (fstat(fd, &st) == 0 && size_t(st.st_size) >= sizeof(TableHeader)) {
        p = mmap(nullptr, size_t(st.st_size), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    }
    close(fd);
    if (p == MAP_FAILED) {
        return;
    }
    auto* old = static_cast<TableHeader*>(p);
    if (old->magic.load(std::memory_order_acquire) == kTableMagic &&
        // Version 1 differs only by the hold bits, always zero there: adopt across the upgrade.
        (old->layout_version == kLayoutVersion || old->layout_version == 1) &&
        tableBytes(old->slot_count) <= size_t(st.st_size)) {
        std::unordered_map<uint64_t, uint32_t> by_key;
        for (uint32_t i = 0; i < old->slot_count; ++i) {
            by_key[slotsOf(old)[i].key.load()] = i;
        }
        for (uint32_t i = 0; i < header_->slot_count; ++i) {
            auto it = by_key.find(slotsOf(header_)[i].key.load());
            if (it != by_key.end()) {
                write(i, loadSlot(slotsOf(old)[it->second]));
                ++adopted_;
            }
        }
        if (old->ready.load() && everyPoolKnown(config)) {
            markReady();
        }
        old->retired.store(1, std::memory_order_release);
    }
    munmap(p, size_t(st.st_size));
}

// A member a reload added has no verdict yet and is not answered until its first (Unknown
// counts as not up). That is right while its pool has members with verdicts; a pool with none
// would answer only its fallback, so the table waits for them, failing open meanwhile.
bool HealthTableWriter::everyPoolKnown(const conf::Config& config) const {
    for (const auto& pool : config.pools) {
        bool known = false;
        for (uint32_t i = 0; i < pool.members.size() && !known; ++i) {
            known = read(pool.first_slot + i).state != MemberState::Unknown;
        }
        if (!known && !pool.members.empty()) {
            return false;
        }
    }
    return true;
}

SlotView HealthTableWriter::read(uint32_t slot) const {
    return loadSlot(slotsOf(header_)[slot]);
}

void HealthTableWriter::write(uint32_t slot, const SlotView& v) {
    Slot& s = slotsOf(header_)[slot];
    uint32_t seq = s.seq.load(std::memory_order_relaxed);
    s.seq.store(seq + 1, std::memory_order_relaxed);  // odd: readers retry
    std::atomic_thread_fence(std::memory_order_release);
    s.last_change_ms.store(v.last_change_ms, std::memory_order_relaxed);
    s.last_check_ms.store(v.last_check_ms, std::memory_order_relaxed);
    s.latency_us.store(v.latency_us, std::memory_order_relaxed);
    s.consecutive_ok.store(v.consecutive_ok, std::memory_order_relaxed);
    s.consecutive_fail.store(v.consecutive_fail, std::memory_order_relaxed);
    s.reason.store(uint16_t(v.reason), std::memory_order_relaxed);
    s.flaps.store(v.flaps, std::memory_order_relaxed);
    s.detail.store(v.detail, std::memory_order_relaxed);
    s.stale.store(v.stale, std::memory_order_relaxed);
    uint32_t word = packVerdict(v.state, v.admin, v.flapping, v.hold);
    uint32_t before = s.verdict.exchange(word, std::memory_order_release);
    s.seq.store(seq + 2, std::memory_order_release);
    if (before != word) {
        header_->generation.fetch_add(1, std::memory_order_release);
    }
}

}  // namespace pharos::state
