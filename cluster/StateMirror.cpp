#include "cluster/StateMirror.hpp"

#include <utility>

namespace pharos::cluster {

void StateMirror::forgetStore() {
    store_.clear();
    revision_.clear();
}

void StateMirror::seen(const std::string& key, std::optional<std::string> value, int64_t revision) {
    if (revision != 0 && revision < revision_[key]) {
        return;  // older than what this node wrote since
    }
    revision_[key] = revision;
    if (value) {
        store_[key] = std::move(*value);
    } else {
        store_.erase(key);
    }
}

void StateMirror::queue(const StateChanges& changes) {
    for (const auto& [key, value] : changes) {
        pending_[key] = value;
    }
}

StateChanges StateMirror::startTransaction(size_t max) {
    if (writing()) {
        return {};
    }
    while (!pending_.empty() && in_flight_.size() < max) {
        in_flight_.insert(pending_.extract(pending_.begin()));
    }
    return in_flight_;
}

void StateMirror::written(int64_t revision) {
    for (auto& [key, value] : std::exchange(in_flight_, {})) {
        if (revision_[key] > revision) {
            continue;  // another node's write after this one, seen already
        }
        revision_[key] = revision;
        if (value) {
            store_[key] = std::move(*value);
        } else {
            store_.erase(key);
        }
    }
}

void StateMirror::failed() {
    for (auto& [key, value] : std::exchange(in_flight_, {})) {
        pending_.try_emplace(key, std::move(value));
    }
}

StateKeys StateMirror::view() const {
    StateKeys view = store_;
    for (const auto& [key, value] : pending_) {
        if (value) {
            view[key] = *value;
        } else {
            view.erase(key);
        }
    }
    return view;
}

}  // namespace pharos::cluster
