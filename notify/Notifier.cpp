#include "notify/Notifier.hpp"

#include <unistd.h>

#include <algorithm>

namespace pharos::notify {
namespace {

std::string hostName() {
    char name[256] = {};
    return gethostname(name, sizeof name - 1) == 0 ? name : "unknown";
}

// Events keep their order across reloads, which replace the Notifier.
uint64_t next_sequence = 1;

}  // namespace

Notifier::Notifier(boost::asio::io_context& io, const conf::Settings& settings)
    : node_(settings.node_name.empty() ? hostName() : settings.node_name),
      targets_(settings.notify) {
    for (const auto& t : settings.notify) {
        queues_.push_back(std::make_unique<WebhookQueue>(io, t));
    }
}

Notifier::Notifier(boost::asio::io_context& io, const conf::Settings& settings, Notifier&& previous)
    : node_(settings.node_name.empty() ? hostName() : settings.node_name),
      targets_(settings.notify) {
    for (const auto& t : settings.notify) {
        auto same = std::find_if(previous.queues_.begin(), previous.queues_.end(),
                                 [&](const auto& q) { return q && q->target() == t; });
        queues_.push_back(same != previous.queues_.end() ? std::move(*same)
                                                         : std::make_unique<WebhookQueue>(io, t));
    }
}

void Notifier::publish(const NotifyEvent& event) {
    if (queues_.empty()) {
        return;
    }
    std::string body = toJson(event, node_, next_sequence++).dump();
    for (auto& q : queues_) {
        q->push(body);
    }
}

bool Notifier::sameTargets(const conf::Settings& settings) const {
    return targets_ == settings.notify &&
           node_ == (settings.node_name.empty() ? hostName() : settings.node_name);
}

}  // namespace pharos::notify
