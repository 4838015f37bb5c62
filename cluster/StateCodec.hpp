#pragma once
// The shared admin state as etcd holds it (docs/CLUSTER.md): one key per entry under
// <prefix>state/, so two operators changing two members never overwrite each other,
//   state/override/<pool>/<address>   state/holder/<pool>   state/approval/<pool>/<address>
// each holding the entry's JSON as the admin-state file writes it. '%' and '/' in a pool name
// or address are written %25 and %2F, so a '/' in a pool name cannot split the key. Another
// node wrote what is decoded: it is read back through the admin-state file's parser, as
// strictly as the file, and decoding never throws. Pure: no etcd, no log.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "admin/AdminStateFile.hpp"

namespace pharos::cluster {

// Key -> value, every key under the state prefix.
using StateKeys = std::map<std::string, std::string>;
// Key -> its new value; none: the key is deleted.
using StateChanges = std::map<std::string, std::optional<std::string>>;

// A pool name or address as one part of a key.
std::string escapeKeyPart(const std::string& text);

// `state_prefix`: <prefix>state/.
StateKeys encodeState(const std::string& state_prefix, const admin::AdminState& state);

// The keys to write and delete to take etcd from `before` to `after`, and only those: another
// node's change to another key is never undone.
StateChanges stateChanges(const std::string& state_prefix, const admin::AdminState& before,
                          const admin::AdminState& after);

struct DecodedState {
    std::optional<admin::AdminState> state;  // none: not valid, `error` says why
    std::string error;
    // Keys left out: not an override, holder or approval, or whose value is not a JSON object.
    std::vector<std::string> ignored;
};
DecodedState decodeState(const std::string& state_prefix, const StateKeys& keys);

}  // namespace pharos::cluster
