#pragma once
// etcd's v3 JSON gateway (etcd 3.4), over net::HttpClient: one typed call per request the
// cluster link makes (POST /v3/lease/grant, /v3/lease/keepalive, /v3/kv/range, /v3/kv/put,
// /v3/kv/txn) and the watch (/v3/watch). Keys and values are given as they are (the gateway's
// base64 is done here); replies are the gateway's JSON, whose keys and values are base64
// (fromBase64). A call gets one JSON reply within kCallTimeout; a watch gets the gateway's
// newline-separated JSON messages until it is cancelled or the connection ends. Each ends
// exactly once, on the io_context's thread.
#include <boost/asio.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "conf/Config.hpp"
#include "net/HttpClient.hpp"

namespace pharos::cluster {

// error empty: `reply` is the JSON body of a 200 answer.
using CallDone = std::function<void(const std::string& error, const nlohmann::json& reply)>;
// One message of a watch stream.
using StreamMessage = std::function<void(const nlohmann::json& message)>;
using StreamEnded = std::function<void(const std::string& why)>;
// Cancels a watch (it ends "cancelled"); destroying it does not.
class StreamHandle {
  public:
    virtual ~StreamHandle() = default;
    virtual void cancel() = 0;
};

enum class KeySpan : uint8_t {
    One,     // the key alone
    Prefix,  // every key that starts with it
};

// One write of a transaction: a put, or a delete when there is no value.
struct EtcdWrite {
    std::string key;
    std::optional<std::string> value;
};

// All its writes, only if none of `if_absent` exists (was ever created, and not deleted).
struct EtcdTxn {
    std::vector<std::string> if_absent;
    std::vector<EtcdWrite> writes;
};

class EtcdClient {
  public:
    static constexpr std::chrono::milliseconds kCallTimeout{1000};
    static constexpr std::chrono::milliseconds kWatchAnswerTimeout{2000};

    // How a call's reply is read: whole, unbounded (a range of the prefix is as large as the
    // shared state; an announced length past 64 MiB is refused), within kCallTimeout.
    static net::HttpOptions callOptions();

    // TLS (settings' CA and client certificate) when any endpoint is https://. Throws
    // std::runtime_error when the TLS files cannot be read.
    EtcdClient(boost::asio::io_context& io, const conf::ClusterSettings& settings);

    using Endpoint = conf::EtcdEndpoint;
    void grant(const Endpoint& at, int64_t ttl_seconds, CallDone done) const;
    void keepAlive(const Endpoint& at, const std::string& lease, CallDone done) const;
    void range(const Endpoint& at, const std::string& key, KeySpan span, bool count_only,
               CallDone done) const;
    // `lease` empty: none.
    void put(const Endpoint& at, const std::string& key, const std::string& value,
             const std::string& lease, CallDone done) const;
    void txn(const Endpoint& at, const EtcdTxn& txn, CallDone done) const;
    // The events under `prefix` from `start_revision` on. Ends "no answer to the watch" when
    // etcd does not answer within kWatchAnswerTimeout.
    std::shared_ptr<StreamHandle> watch(const Endpoint& at, const std::string& prefix,
                                        int64_t start_revision, StreamMessage on_message,
                                        StreamEnded ended) const;

  private:
    void call(const Endpoint& at, const std::string& path, const nlohmann::json& body,
              CallDone done) const;
    net::HttpRequest post(const net::HttpTarget& to, const std::string& path,
                          const nlohmann::json& body) const;

    net::HttpClient http_;
};

}  // namespace pharos::cluster
