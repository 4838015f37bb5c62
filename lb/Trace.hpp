#pragma once
// Why a decision came out as it did, for `pharosctl explain`. The backend passes no trace, so
// none of this costs anything on the lookup path.
#include <string>
#include <vector>

#include "conf/Config.hpp"
#include "lb/Balancer.hpp"

namespace pharos::lb {

struct Trace {
    std::string client;         // the address the decision used
    std::string client_source;  // "ECS subnet", "resolver", ...
    int region = -1;            // the client's region, -1 when none
    int region_prefix = 0;
    struct Skip {
        uint32_t member;
        std::string why;  // down, unknown, weight 0, other region, lower priority
    };
    std::vector<Skip> skipped;
    std::vector<std::string> notes;  // fallbacks and other turns taken
};

std::string formatTrace(const conf::Pool& pool, const conf::Topology& topology, const Trace& trace,
                        const Answer& answer, const Client& client);

}  // namespace pharos::lb
