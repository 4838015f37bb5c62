#include "notify/WebhookQueue.hpp"

#include <algorithm>

#include "base/Log.hpp"
#include "notify/WebhookPost.hpp"

namespace pharos::notify {

namespace asio = boost::asio;
using std::chrono::steady_clock;

WebhookQueue::WebhookQueue(asio::io_context& io, conf::WebhookTarget target)
    : target_(std::move(target)), client_(webhookClient(io, target_)), retry_(io) {}

WebhookQueue::~WebhookQueue() {
    *alive_ = false;
    if (!queue_.empty()) {
        PHAROS_LOG(Warning, "webhook " << target_.shown << ": " << queue_.size()
                                       << " events not sent (the webhook was removed)");
    }
}

void WebhookQueue::push(std::string body) {
    if (queue_.size() >= kMaxQueued) {
        // The oldest that is not being sent (or waiting for its retry) goes.
        auto oldest = queue_.begin() + (in_flight_ ? 1 : 0);
        drop(*oldest, "the queue is full");
        queue_.erase(oldest);
    }
    queue_.push_back({std::move(body), steady_clock::now(), 0});
    if (!in_flight_ && queue_.size() == 1) {
        sendFirst();
    }
}

void WebhookQueue::sendFirst() {
    // Events that waited behind a failing one past their own retry_for are not sent late
    // (retry_for 0 means one attempt each, not none).
    auto retry_for = std::chrono::duration_cast<steady_clock::duration>(target_.retry_for);
    while (!queue_.empty() && queue_.front().attempts == 0 && retry_for.count() > 0 &&
           steady_clock::now() - queue_.front().since > retry_for) {
        drop(queue_.front(), "it waited longer than retry_for");
        queue_.pop_front();
    }
    if (queue_.empty()) {
        return;
    }
    in_flight_ = true;
    Pending& p = queue_.front();
    ++p.attempts;
    postWebhook(client_, target_, p.body, [this, alive = alive_](const PostResult& r) {
        if (*alive) {
            onAttempt(r.delivered, r.why);
        }
    });
}

void WebhookQueue::onAttempt(bool delivered, const std::string& why) {
    in_flight_ = false;
    Pending& p = queue_.front();
    if (delivered) {
        if (failing_) {
            PHAROS_LOG(Info, "webhook " << target_.shown << ": delivering again");
            failing_ = false;
        }
        ++counts_.delivered;
        queue_.pop_front();
        sendFirst();
        return;
    }
    ++counts_.failed_attempts;
    auto backoff = std::chrono::seconds(1 << std::min(p.attempts - 1, 6));
    auto retry_at =
        steady_clock::now() + std::min<steady_clock::duration>(backoff, std::chrono::seconds(60));
    auto give_up_at =
        p.since + std::chrono::duration_cast<steady_clock::duration>(target_.retry_for);
    if (retry_at > give_up_at) {
        drop(p, why);
        queue_.pop_front();
        sendFirst();
        return;
    }
    if (!failing_) {
        failing_ = true;  // said once per outage; each dropped event is said
        PHAROS_LOG(Warning, "webhook " << target_.shown << ": " << why << "; retrying for up to "
                                       << target_.retry_for.count() << " s");
    }
    in_flight_ = true;  // the retry timer holds the queue's turn
    retry_.expires_at(retry_at);
    retry_.async_wait([this, alive = alive_](const boost::system::error_code& e) {
        if (!e && *alive) {
            in_flight_ = false;
            sendFirst();
        }
    });
}

void WebhookQueue::drop(const Pending& p, const std::string& why) {
    ++counts_.dropped;
    PHAROS_LOG(Error, "webhook " << target_.shown << ": event dropped after " << p.attempts
                                 << " attempts (" << why << ")");
}

}  // namespace pharos::notify
