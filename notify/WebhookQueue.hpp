#pragma once
// The events waiting for one webhook, sent one at a time in the order they happened. A failed
// attempt (no connection, a timeout, a status other than 2xx) is retried after 1 s, 2 s,
// 4 s... (at most a minute apart) until the event is older than the target's retry_for; then it
// is dropped with a log line and counted. Everything runs on the prober's io_context and
// nothing waits on a webhook: a slow or dead one delays only its own queue.
#include <boost/asio.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <string>

#include "conf/Config.hpp"
#include "net/HttpClient.hpp"

namespace pharos::notify {

struct WebhookCounts {
    uint64_t delivered = 0;
    uint64_t failed_attempts = 0;
    uint64_t dropped = 0;  // given up after retry_for, or pushed out of a full queue
};

class WebhookQueue {
  public:
    // Events beyond this are dropped oldest first: a webhook down for a long time must not
    // make the prober's memory follow the event rate.
    static constexpr size_t kMaxQueued = 10000;

    // Throws when the TLS context cannot be made (an unreadable ca_file).
    WebhookQueue(boost::asio::io_context& io, conf::WebhookTarget target);
    ~WebhookQueue();
    WebhookQueue(const WebhookQueue&) = delete;
    WebhookQueue& operator=(const WebhookQueue&) = delete;

    void push(std::string body);
    const conf::WebhookTarget& target() const { return target_; }
    const WebhookCounts& counts() const { return counts_; }
    size_t queued() const { return queue_.size(); }

  private:
    struct Pending {
        std::string body;
        std::chrono::steady_clock::time_point since;
        int attempts = 0;
    };
    void sendFirst();
    void onAttempt(bool delivered, const std::string& why);
    void drop(const Pending& p, const std::string& why);

    conf::WebhookTarget target_;
    net::HttpClient client_;
    std::deque<Pending> queue_;
    bool in_flight_ = false;
    bool failing_ = false;  // since the last delivery, attempts fail
    boost::asio::steady_timer retry_;
    WebhookCounts counts_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace pharos::notify
