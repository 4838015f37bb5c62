#pragma once
// One HTTP exchange with etcd's v3 JSON gateway (etcd 3.4: POST /v3/kv/range, /v3/kv/txn,
// /v3/lease/grant, /v3/lease/keepalive, /v3/watch). A call gets one JSON reply within its
// timeout; a watch gets the gateway's stream of newline-separated JSON messages until it is
// cancelled or the connection ends. Each ends exactly once, on the io_context's thread.
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "conf/Config.hpp"

namespace pharos::cluster {

// error empty: `reply` is the JSON body of a 200 answer.
using CallDone = std::function<void(const std::string& error, const nlohmann::json& reply)>;
// One message of a watch stream.
using StreamMessage = std::function<void(const nlohmann::json& message)>;
using StreamEnded = std::function<void(const std::string& why)>;

// Cancels a watch; destroying it does not.
class StreamHandle {
  public:
    virtual ~StreamHandle() = default;
    virtual void cancel() = 0;
};

// `tls` is null for http:// endpoints.
void etcdCall(boost::asio::io_context& io, const conf::EtcdEndpoint& endpoint,
              std::shared_ptr<boost::asio::ssl::context> tls, const std::string& path,
              const nlohmann::json& body, std::chrono::milliseconds timeout, CallDone done);

std::shared_ptr<StreamHandle> etcdStream(boost::asio::io_context& io,
                                         const conf::EtcdEndpoint& endpoint,
                                         std::shared_ptr<boost::asio::ssl::context> tls,
                                         const std::string& path, const nlohmann::json& body,
                                         std::chrono::milliseconds connect_timeout,
                                         StreamMessage on_message, StreamEnded ended);

}  // namespace pharos::cluster
