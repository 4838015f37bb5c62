#pragma once
// etcd's answers (v3 JSON gateway) read into what the cluster link acts on: the bytes of a
// call's reply and of a watch stream, then each answer's fields. Pure functions, so what etcd
// (or anything posing as it) sends is read the same way by the link and the fuzz target
// EtcdReply. The field readers throw nlohmann::json::exception for a field of another type;
// the link takes such an answer as a lost link (ClusterLink::guarded).
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pharos::cluster {

// A call's reply, from its status and body. error empty: `reply` is the body's JSON.
struct EtcdCallReply {
    std::string error;
    nlohmann::json reply;
};
EtcdCallReply readCallReply(unsigned status, const std::string& body);

// A watch stream's body, in the pieces it arrives in, split into its newline-separated JSON
// messages.
class WatchStreamSplitter {
  public:
    // A message is a few events; anything this large is not one.
    static constexpr size_t kMaxMessage = 64 << 20;
    // Hands each complete message to `message` until it returns false; returns why the
    // stream must end ("" while it may go on).
    std::string take(std::string_view piece,
                     const std::function<bool(const nlohmann::json&)>& message);

  private:
    std::string pending_;
};

// A key-value of a range or a watch event, its key and value decoded from base64 (none when
// they are not base64).
struct EtcdKv {
    std::optional<std::string> key;
    std::optional<std::string> value;
    int64_t mod_revision = 0;
    bool deleted = false;  // a watch's DELETE event
};

// /v3/lease/grant. `refusal` set: no lease.
struct LeaseGrant {
    std::string id;  // etcd's lease ID, as its JSON gives it (a decimal string)
    std::optional<std::string> refusal;
};
LeaseGrant readLeaseGrant(const nlohmann::json& reply);

// /v3/lease/keepalive, whose stream errors (no leader) come in a 200 answer.
struct KeepAliveAnswer {
    std::optional<std::string> error;  // set: not renewed this time
    bool expired = false;              // the lease is gone
};
KeepAliveAnswer readKeepAlive(const nlohmann::json& reply);

// /v3/kv/range.
struct RangeAnswer {
    std::vector<EtcdKv> kvs;
    int64_t revision = 0;
};
RangeAnswer readRange(const nlohmann::json& reply);

// /v3/kv/txn: whether its compares held, and the revision it left.
bool readTxnSucceeded(const nlohmann::json& reply);
int64_t readRevision(const nlohmann::json& reply);

// One message of /v3/watch.
struct WatchAnswer {
    enum Kind : uint8_t {
        Events,     // `events` and `revision`
        Created,    // the watch's first answer, or a progress notice: nothing to do
        Cancelled,  // etcd ended the watch; `why`
        Compacted,  // cancelled past the last revision seen: the events in between are gone
        Error,      // no result at all: `why`
    };
    Kind kind = Created;
    std::string why;
    std::vector<EtcdKv> events;
    int64_t revision = 0;
};
WatchAnswer readWatchMessage(const nlohmann::json& message);

}  // namespace pharos::cluster
