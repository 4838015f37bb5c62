#pragma once
// The shared-memory health table: one header and one 64-byte slot per (pool, member), in the
// order conf::finalizeLayout numbers them. pharos-health is the only writer; pharos-backend and
// pharosctl map it read-only. Every shared field is a std::atomic so readers never race:
//  - `verdict` is the hot-path word: one acquire load gives state, admin override and flapping.
//  - the rest of a slot is guarded by a seqlock (`seq` odd while the writer is inside), so
//    `pharosctl status` reads a consistent copy without ever blocking the writer.
// Layout changes bump kLayoutVersion; readers refuse other versions.
#include <atomic>
#include <cstdint>

namespace pharos::state {

constexpr uint64_t kTableMagic = 0x5448534f52414850ULL;  // "PHAROSHT" little-endian
// 2: the verdict word carries a DR policy's hold in bits 24-31; a reader of version 1 would
// ignore it and answer a member the policy keeps out (or drop one it keeps in).
constexpr uint32_t kLayoutVersion = 2;

enum class MemberState : uint8_t { Unknown = 0, Up = 1, Down = 2 };
enum class AdminOverride : uint8_t { None = 0, ForcedUp = 1, ForcedDown = 2, Drain = 3 };
// What a DR policy does to a member's answers (docs/LB.md), decided by pharos-health alone so
// the backend applies it with the same load that reads the verdict.
enum class PolicyHold : uint8_t {
    None = 0,
    FailoverAfter = 1,     // down, kept in the answers until failover_after has passed
    AwaitingApproval = 2,  // down, kept in the answers until `pharosctl failover`
    HeldOff = 3,           // usable, kept out of the answers until `pharosctl failback`
    Maintenance = 4,       // drained by a maintenance window
};

// Why the last probe failed; kept small and stable because it is part of the layout.
enum class FailureReason : uint16_t {
    None = 0,
    Timeout = 1,
    ConnectRefused = 2,
    ConnectError = 3,
    TlsError = 4,
    BadStatus = 5,     // http status not in expected_codes
    BodyMismatch = 6,  // body_match not found
    Malformed = 7,     // unparsable response
    ClosedEarly = 8,   // peer closed before an answer / before match_re matched
    NoMatch = 9,       // tcp match_re did not match; detail 1: the search gave up (too complex)
    DnsRcode = 10,     // rcode not in expected_rcodes
    DnsAnswer = 11,    // expected_answer not in the answer
    ForcedDown = 12,   // forced monitor with status: down
    SendError = 13,
    BodyRegex = 14,       // body_regex did not match; detail 1: the search gave up (too complex)
    JsonInvalid = 15,     // expected_json set and the body is not JSON
    JsonMismatch = 16,    // detail: index of the expected_json entry that failed
    DependencyDown = 17,  // the member passes, a depends_on member is down; detail: its index
    ResolveFailed = 18,   // a cname member's name did not resolve
    QuorumDown = 19,      // this node's checks pass, the cluster's vantage points outvote it;
                          // detail: how many of them see the member down
};
constexpr size_t kFailureReasons = 20;
// One machine spelling per value, used by every machine output (the /status document, the
// metrics' labels, the webhooks' payloads) and README's "Upgrade notes" when one changes.
const char* toString(FailureReason);
const char* toString(MemberState);
// "none", "drain", "force-up", "force-down": pharosctl's command words, which the admin-state
// file has always stored.
const char* toString(AdminOverride);
const char* toString(PolicyHold);  // "" for None
// An override for people: "drained", "forced up", "forced down" ("not overridden" for None).
const char* adminText(AdminOverride);

// A member is flapping (bit 16 of its verdict word) when its state changed this many times
// within its flap window (health/HealthState).
constexpr int kFlapChanges = 4;

// verdict word: bits 0-7 MemberState, 8-15 AdminOverride, bit 16 flapping, 24-31 PolicyHold.
constexpr uint32_t packVerdict(MemberState s, AdminOverride a, bool flapping,
                               PolicyHold hold = PolicyHold::None) {
    return uint32_t(s) | uint32_t(a) << 8 | uint32_t(flapping) << 16 | uint32_t(hold) << 24;
}
constexpr MemberState verdictState(uint32_t v) {
    return MemberState(v & 0xff);
}
constexpr AdminOverride verdictAdmin(uint32_t v) {
    return AdminOverride((v >> 8) & 0xff);
}
constexpr bool verdictFlapping(uint32_t v) {
    return (v >> 16) & 1;
}
constexpr PolicyHold verdictHold(uint32_t v) {
    return PolicyHold((v >> 24) & 0xff);
}
// Whether the backend may answer a member: the hold first, then the admin override, then the
// probes (HealthTableReader::verdict tells the ways of not being answerable apart).
constexpr bool answerable(MemberState s, AdminOverride a, PolicyHold h) {
    if (h != PolicyHold::None) {
        return h == PolicyHold::FailoverAfter || h == PolicyHold::AwaitingApproval;
    }
    if (a != AdminOverride::None) {
        return a == AdminOverride::ForcedUp;
    }
    return s == MemberState::Up;
}

struct alignas(64) TableHeader {
    std::atomic<uint64_t> magic;  // written last at creation: a reader seeing it sees the rest
    uint32_t layout_version;
    uint32_t slot_count;
    uint64_t layout_hash;  // conf::Config::layout_hash of the configuration it was built for
    int32_t writer_pid;
    uint32_t slot_size;
    int64_t created_ms;
    std::atomic<int64_t> heartbeat_ms;  // CLOCK_REALTIME, refreshed every 500 ms
    std::atomic<uint64_t> generation;   // bumped on every verdict change
    std::atomic<uint32_t> ready;        // 1 once every member has had a first verdict
    std::atomic<uint32_t> retired;      // 1 once a newer table replaced this object
};
static_assert(sizeof(TableHeader) == 64);

struct alignas(64) Slot {
    std::atomic<uint32_t> verdict;
    std::atomic<uint32_t> seq;  // seqlock over the fields below
    std::atomic<uint64_t> key;  // memberKey(pool name, member ip): adoption across reloads
    std::atomic<int64_t> last_change_ms;
    std::atomic<int64_t> last_check_ms;
    std::atomic<uint32_t> latency_us;
    std::atomic<uint32_t> consecutive_ok;
    std::atomic<uint32_t> consecutive_fail;
    std::atomic<uint16_t> reason;
    std::atomic<uint16_t> flaps;  // state changes within the flapping window
    // Which expected_json entry or dependency `reason` is about. Added in padding that
    // tables are created zeroed with, so version-2 readers and tables stay compatible.
    std::atomic<uint16_t> detail;
    // 1: no check has counted for longer than the member's detection bound (the prober is
    // behind its schedule); the verdict above is the last one, and the backend still uses it.
    // In padding too, as `detail`.
    std::atomic<uint16_t> stale;
};
static_assert(sizeof(Slot) == 64);
static_assert(std::atomic<uint64_t>::is_always_lock_free);

// A plain copy of one slot, as pharosctl shows it.
struct SlotView {
    MemberState state = MemberState::Unknown;
    AdminOverride admin = AdminOverride::None;
    bool flapping = false;
    PolicyHold hold = PolicyHold::None;
    uint64_t key = 0;
    int64_t last_change_ms = 0;
    int64_t last_check_ms = 0;
    uint32_t latency_us = 0;
    uint32_t consecutive_ok = 0;
    uint32_t consecutive_fail = 0;
    FailureReason reason = FailureReason::None;
    uint16_t flaps = 0;
    uint16_t detail = 0;
    bool stale = false;
};

// A plain copy of one slot, field by field with relaxed loads; consistency across fields is
// the caller's business (the seqlock in HealthTableReader::readSlot).
SlotView loadSlot(const Slot& slot);

constexpr size_t tableBytes(uint32_t slots) {
    return sizeof(TableHeader) + slots * sizeof(Slot);
}

inline Slot* slotsOf(TableHeader* h) {
    return reinterpret_cast<Slot*>(h + 1);
}
inline const Slot* slotsOf(const TableHeader* h) {
    return reinterpret_cast<const Slot*>(h + 1);
}

}  // namespace pharos::state
