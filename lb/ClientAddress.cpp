#include "lb/ClientAddress.hpp"

namespace pharos::lb {

ClientView chooseClient(const conf::Pool& pool, const Client& client, Trace* trace) {
    ClientView view;
    if (client.ecs && client.ecs->prefix > 0 &&
        pool.client_address == conf::ClientAddressSource::Ecs) {
        view.address = client.ecs->address;
        view.source_prefix = client.ecs->prefix;
        view.from_ecs = true;
    } else {
        view.address = client.resolver;
        view.source_prefix = client.resolver.bitLength();
    }
    if (trace) {
        trace->client = view.from_ecs ? client.ecs->str() : client.resolver.str();
        trace->client_source = view.from_ecs ? "ECS subnet"
                               : !client.ecs ? "resolver (no ECS)"
                               : client.ecs->prefix == 0
                                   ? "resolver (ECS source prefix 0 asks for no subnet)"
                                   : "resolver (pool sets client_address: resolver)";
    }
    return view;
}

void traceUnusable(const conf::Pool& pool, std::span<const Health> health, Trace* trace) {
    if (!trace) {
        return;
    }
    for (uint32_t i = 0; i < pool.members.size(); ++i) {
        if (pool.members[i].weight == 0) {
            trace->skipped.push_back({i, "weight 0"});
        } else if (health[i] == Health::Down) {
            trace->skipped.push_back({i, "down"});
        } else if (health[i] == Health::Drained) {
            trace->skipped.push_back({i, "drained by an operator"});
        } else if (health[i] == Health::Unknown) {
            trace->skipped.push_back({i, "unknown (not probed yet)"});
        }
    }
}

}  // namespace pharos::lb
