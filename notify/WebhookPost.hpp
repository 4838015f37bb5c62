#pragma once
// One delivery attempt: resolve the webhook's host, connect, [TLS handshake, certificate
// verified unless the target says otherwise], POST the JSON body, read the status. Ends
// exactly once, within the target's timeout, on the io_context's thread.
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <functional>
#include <memory>
#include <string>

#include "conf/Config.hpp"

namespace pharos::notify {

struct PostResult {
    bool delivered = false;  // a 2xx status
    std::string why;         // what went wrong, for the log
};
using PostDone = std::function<void(const PostResult&)>;

// `tls` is null for http:// targets.
void postWebhook(boost::asio::io_context& io, const conf::WebhookTarget& target,
                 std::shared_ptr<boost::asio::ssl::context> tls, std::string body, PostDone done);

}  // namespace pharos::notify
