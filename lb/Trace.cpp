#include "lb/Trace.hpp"

#include <sstream>

namespace pharos::lb {

std::string formatTrace(const conf::Pool& pool, const conf::Topology& topology, const Trace& trace,
                        const Answer& answer, const Client& client) {
    std::ostringstream os;
    os << "pool " << pool.name << " (" << conf::toString(pool.lb_method) << ", fallback "
       << conf::fallbackText(pool) << ", max_addrs_returned " << pool.max_addrs_returned << ")\n";
    os << "client " << trace.client << " from the " << trace.client_source << "\n";
    if (pool.lb_method == conf::LbMethod::Twrr) {
        if (trace.region >= 0) {
            os << "region " << topology.regions[size_t(trace.region)].name << " (matched /"
               << trace.region_prefix << ")\n";
        } else {
            os << "region: none matches\n";
        }
    }
    for (const auto& skip : trace.skipped) {
        const auto& m = pool.members[skip.member];
        os << "skipped " << m.name << " " << conf::memberTarget(m) << ": " << skip.why << "\n";
    }
    for (const auto& note : trace.notes) {
        os << note << "\n";
    }
    if (answer.refused || answer.members.empty()) {
        os << "answer: no records\n";
    } else {
        os << "answer:";
        for (uint32_t i : answer.members) {
            os << " " << conf::memberTarget(pool.members[i]) << " (" << pool.members[i].name << ")";
        }
        os << "\n";
    }
    int scope = scopeMaskFor(answer, client);
    if (scope == 0) {
        os << "the same answer for every client: pdns may cache it\n";
    } else if (answer.steered_by_ecs) {
        os << "ECS scope /" << scope << "\n";
    } else {
        os << "depends on the resolver's address: scopeMask /" << scope
           << " keeps pdns from caching it for others\n";
    }
    return os.str();
}

}  // namespace pharos::lb
