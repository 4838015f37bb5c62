#pragma once
// The TLS client context for https:// etcd endpoints (cluster.tls: ca, cert, key), made once
// when the link is built, so a missing or unusable file stops the start with its name.
#include <boost/asio/ssl.hpp>
#include <memory>

#include "conf/Config.hpp"

namespace pharos::cluster {

// Null when no endpoint is https://. Throws std::runtime_error naming the setting and the file
// when a file does not exist or cannot be used.
std::shared_ptr<boost::asio::ssl::context> makeEtcdTls(const conf::ClusterSettings& settings);

}  // namespace pharos::cluster
