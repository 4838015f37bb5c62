#pragma once
#include <cstdint>
#include <string_view>

namespace pharos::backend {

// The parameters of one pdns `lookup`, as views into the request text.
struct LookupRequest {
    std::string_view qtype;
    std::string_view qname;
    std::string_view remote;  // the resolver (pdns's inner remote)
    std::string_view local;
    std::string_view real_remote;  // ECS subnet when the query had one, else remote/32 or /128
    int64_t zone_id = -1;
};

}  // namespace pharos::backend
