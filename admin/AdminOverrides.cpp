#include "admin/AdminOverrides.hpp"

#include <algorithm>

namespace pharos::admin {

state::AdminOverride actionFromName(const std::string& name) {
    for (auto a : {state::AdminOverride::Drain, state::AdminOverride::ForcedUp,
                   state::AdminOverride::ForcedDown}) {
        if (name == state::toString(a)) {
            return a;
        }
    }
    return state::AdminOverride::None;
}

const Override* AdminOverrides::find(const std::string& pool, const std::string& address) const {
    for (const auto& o : overrides_) {
        if (o.pool == pool && o.address == address) {
            return &o;
        }
    }
    return nullptr;
}

void AdminOverrides::set(Override o) {
    clear(o.pool, o.address);
    overrides_.push_back(std::move(o));
}

bool AdminOverrides::clear(const std::string& pool, const std::string& address) {
    auto it = std::find_if(overrides_.begin(), overrides_.end(), [&](const Override& o) {
        return o.pool == pool && o.address == address;
    });
    if (it == overrides_.end()) {
        return false;
    }
    overrides_.erase(it);
    return true;
}

std::vector<Override> AdminOverrides::expire(int64_t now_ms) {
    std::vector<Override> gone;
    auto ended = [&](const Override& o) { return o.until_ms != 0 && o.until_ms <= now_ms; };
    std::copy_if(overrides_.begin(), overrides_.end(), std::back_inserter(gone), ended);
    overrides_.erase(std::remove_if(overrides_.begin(), overrides_.end(), ended), overrides_.end());
    return gone;
}

}  // namespace pharos::admin
