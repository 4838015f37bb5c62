#pragma once
// One delivery attempt over net::HttpClient: resolve the webhook's host, connect, [TLS
// handshake, certificate verified unless the target says otherwise], POST the JSON body, read
// the status. Ends exactly once, within the target's timeout, on the io_context's thread.
#include <functional>
#include <memory>
#include <string>

#include "conf/Config.hpp"
#include "net/HttpClient.hpp"

namespace pharos::notify {

struct PostResult {
    bool delivered = false;  // a 2xx status
    std::string why;         // what went wrong, for the log
};
using PostDone = std::function<void(const PostResult&)>;

// The client a target's attempts go through: TLS for https:// targets. Throws when the TLS
// context cannot be made (an unreadable ca_file).
net::HttpClient webhookClient(boost::asio::io_context& io, const conf::WebhookTarget& target);

// How an attempt reads the reply: the status line and header only, within the target's timeout.
net::HttpOptions webhookReplyOptions(const conf::WebhookTarget& target);
// What a finished attempt's result says.
PostResult postVerdict(const net::HttpResult& result, const std::string& host);

void postWebhook(const net::HttpClient& client, const conf::WebhookTarget& target, std::string body,
                 PostDone done);

}  // namespace pharos::notify
