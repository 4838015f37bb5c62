#include "admin/PolicyRecords.hpp"

#include <algorithm>

namespace pharos::admin {

const Holder* PolicyRecords::holder(const std::string& pool) const {
    auto it = std::find_if(holders.begin(), holders.end(),
                           [&](const Holder& h) { return h.pool == pool; });
    return it == holders.end() ? nullptr : &*it;
}

void PolicyRecords::setHolder(Holder h) {
    clearHolder(h.pool);
    holders.push_back(std::move(h));
}

bool PolicyRecords::clearHolder(const std::string& pool) {
    return std::erase_if(holders, [&](const Holder& h) { return h.pool == pool; }) > 0;
}

const PendingApproval* PolicyRecords::approval(const std::string& pool,
                                               const std::string& address) const {
    auto it = std::find_if(approvals.begin(), approvals.end(), [&](const PendingApproval& a) {
        return a.pool == pool && a.address == address;
    });
    return it == approvals.end() ? nullptr : &*it;
}

void PolicyRecords::addPending(PendingApproval a) {
    if (!approval(a.pool, a.address)) {
        approvals.push_back(std::move(a));
    }
}

bool PolicyRecords::clearApproval(const std::string& pool, const std::string& address) {
    return std::erase_if(approvals, [&](const PendingApproval& a) {
               return a.pool == pool && a.address == address;
           }) > 0;
}

std::vector<PendingApproval> PolicyRecords::approve(const std::string& pool,
                                                    const std::string& by) {
    std::vector<PendingApproval> approved;
    for (auto& a : approvals) {
        if (a.pool == pool && !a.approved) {
            a.approved = true;
            a.by = by;
            approved.push_back(a);
        }
    }
    return approved;
}

std::vector<PendingApproval> PolicyRecords::approvalsOf(const std::string& pool) const {
    std::vector<PendingApproval> out;
    for (const auto& a : approvals) {
        if (a.pool == pool) {
            out.push_back(a);
        }
    }
    return out;
}

void PolicyRecords::dropApprovals(const std::string& pool) {
    std::erase_if(approvals, [&](const PendingApproval& a) { return a.pool == pool; });
}

}  // namespace pharos::admin
