#pragma once
// http / https: GET (or HEAD) url_path with Host (and TLS SNI) from `hostname` and the
// monitor's extra headers, over net::HttpClient; HttpResponseJudge decides on the response.
// Certificates are checked only with verify_tls (Polaris never checks, for private CAs).
#include <boost/asio/ip/address.hpp>
#include <map>
#include <memory>
#include <utility>

#include "health/checks/HttpResponseJudge.hpp"
#include "health/checks/Monitor.hpp"
#include "net/HttpClient.hpp"

namespace pharos::health {

// Bodies beyond this are not read: a member's health page is small, and the prober's memory
// must not follow what a member sends. (The header's bound is what the monitor's 8 KiB read
// buffer always held, whatever the parser's limit said.)
constexpr size_t kMaxHttpBody = 64 * 1024;
constexpr size_t kMaxHttpHeader = 8 * 1024;

// The TLS session each https member gave on its last check, offered on the next one: the
// check still opens a fresh connection and completes a handshake (what proves the listener
// alive, as in Polaris), but an abbreviated one, without the certificate exchange and key
// agreement that cost most of an https check's CPU.
// A monitor sends one hostname, so a member's address and port name its session.
class TlsSessions {
  public:
    using Key = std::pair<boost::asio::ip::address, uint16_t>;
    SSL_SESSION* find(const Key& key) const;  // not owned; null when none
    void keep(const Key& key, net::TlsSession session);

  private:
    std::map<Key, net::TlsSession> sessions_;
};

class HttpMonitor final : public Monitor {
  public:
    // Throws when the TLS context cannot be made (an unreadable ca_file).
    HttpMonitor(boost::asio::io_context& io, const conf::HttpParams& params);
    void probe(const ProbeTarget& target, std::chrono::milliseconds timeout,
               ProbeDone done) override;

  private:
    std::shared_ptr<const HttpResponseJudge> judge_;  // outlives a reload that drops the monitor
    net::HttpClient client_;
    std::shared_ptr<TlsSessions> sessions_;  // null unless use_ssl and tls_session_reuse
};

}  // namespace pharos::health
