#pragma once
// Sends every NotifyEvent to each `notify:` webhook, each through its own WebhookQueue. Built
// from the settings; a reload that changes them builds a new Notifier.
#include <boost/asio.hpp>
#include <memory>
#include <string>
#include <vector>

#include "conf/Config.hpp"
#include "notify/NotifyEvent.hpp"
#include "notify/WebhookQueue.hpp"

namespace pharos::notify {

class Notifier {
  public:
    // `node`: node_name, or this host's name when it is empty. Throws when a webhook's TLS
    // context cannot be made.
    Notifier(boost::asio::io_context& io, const conf::Settings& settings);
    // For a reload: the queues of webhooks `previous` has too are taken over, with their
    // events and counts; the others start empty.
    Notifier(boost::asio::io_context& io, const conf::Settings& settings, Notifier&& previous);

    void publish(const NotifyEvent& event);
    bool sameTargets(const conf::Settings& settings) const;
    const std::vector<std::unique_ptr<WebhookQueue>>& queues() const { return queues_; }

  private:
    std::string node_;
    std::vector<std::unique_ptr<WebhookQueue>> queues_;
    std::vector<conf::WebhookTarget> targets_;
};

}  // namespace pharos::notify
