#pragma once
// What the DR policies remember beyond the probes' verdicts, kept with the admin overrides so
// it outlives restarts of every process: which member holds a pool whose answers must not
// move back by themselves, and which preferred members went down awaiting an operator's
// approval. pharos-health is the only writer.
#include <cstdint>
#include <string>
#include <vector>

namespace pharos::admin {

// The member a pool's answers stay on (fogroup; with priorities, its priority tier) until
// `pharosctl failback`.
struct Holder {
    std::string pool;
    std::string member;
    std::string address;    // with `pool`, what identifies the member across reloads
    bool directed = false;  // set by `pharosctl failover POOL MEMBER`, not by failback: manual
    int64_t since_ms = 0;
    std::string by;  // who moved the answers there; empty when a policy did
    std::string reason;
    friend bool operator==(const Holder&, const Holder&) = default;
};

// A preferred member that went down under `failover: manual`: kept in the answers until
// approved, or until it comes back. An approved one stays recorded (and out of the answers)
// until it comes back, so its going down is not taken for a new failover.
struct PendingApproval {
    std::string pool;
    std::string member;
    std::string address;
    int64_t since_ms = 0;
    bool approved = false;
    std::string by;  // who approved
    friend bool operator==(const PendingApproval&, const PendingApproval&) = default;
};

struct PolicyRecords {
    std::vector<Holder> holders;  // at most one per pool
    std::vector<PendingApproval> approvals;

    const Holder* holder(const std::string& pool) const;
    void setHolder(Holder h);
    bool clearHolder(const std::string& pool);
    const PendingApproval* approval(const std::string& pool, const std::string& address) const;
    void addPending(PendingApproval a);
    bool clearApproval(const std::string& pool, const std::string& address);
    // Approves every failover of `pool` still awaiting approval; returns them.
    std::vector<PendingApproval> approve(const std::string& pool, const std::string& by);
    std::vector<PendingApproval> approvalsOf(const std::string& pool) const;
    // Removes every record of approvals of `pool` (its failover mode is no longer manual).
    void dropApprovals(const std::string& pool);
    friend bool operator==(const PolicyRecords&, const PolicyRecords&) = default;
};

}  // namespace pharos::admin
