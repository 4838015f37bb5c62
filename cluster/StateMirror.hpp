#pragma once
// The shared admin state's keys as this node knows them: what etcd holds under <prefix>state/,
// from reads and the watch, each with the revision it was written at, and this node's changes
// on their way there: the pending ones and the one transaction in flight. Pure bookkeeping;
// ClusterLink does the I/O, StateCodec the mapping to and from the admin state.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "cluster/StateCodec.hpp"

namespace pharos::cluster {

class StateMirror {
  public:
    // Forgets what etcd held, for a fresh read; this node's changes stay.
    void forgetStore();
    // A key as etcd reported it (a read or a watch event; none: deleted) at `revision`; one
    // older than this node's own write of the key is ignored. Revision 0 always counts.
    void seen(const std::string& key, std::optional<std::string> value, int64_t revision);
    // Queues this node's changes; a newer change to a key replaces the one pending.
    void queue(const StateChanges& changes);

    bool writing() const { return !in_flight_.empty(); }
    bool pending() const { return !pending_.empty(); }
    // Moves up to `max` pending changes, in key order, into the transaction in flight and
    // returns them; nothing while one is in flight.
    StateChanges startTransaction(size_t max);
    // The transaction in flight was written at `revision` (what etcd holds now, unless another
    // node wrote the key later and this node saw that already).
    void written(int64_t revision);
    // The transaction in flight failed: its changes are pending again, unless a newer change
    // to the same key is.
    void failed();

    // What etcd holds with this node's pending changes laid over it.
    StateKeys view() const;

  private:
    StateKeys store_;                          // etcd's keys, as last seen
    std::map<std::string, int64_t> revision_;  // of each key, as last seen or written
    StateChanges pending_;                     // this node's changes not sent yet
    StateChanges in_flight_;                   // this node's changes in the transaction on its way
};

}  // namespace pharos::cluster
