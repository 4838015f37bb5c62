#pragma once
// http / https: GET (or HEAD) url_path with Host (and TLS SNI) from `hostname` and the
// monitor's extra headers; HttpResponseJudge decides on the response. Certificates are checked
// only with verify_tls (Polaris never checks, for private CAs).
#include <boost/asio/ssl.hpp>
#include <map>
#include <memory>
#include <utility>

#include "health/checks/HttpResponseJudge.hpp"
#include "health/checks/Monitor.hpp"

namespace pharos::health {

// Bodies beyond this are not read: a member's health page is small, and the prober's memory
// must not follow what a member sends.
constexpr size_t kMaxHttpBody = 64 * 1024;
constexpr size_t kMaxHttpHeader = 16 * 1024;

// The TLS session each https member gave on its last check, offered on the next one: the
// check still opens a fresh connection and completes a handshake (what proves the listener
// alive, as in Polaris), but an abbreviated one, without the certificate exchange and key
// agreement that cost most of an https check's CPU.
// A monitor sends one hostname, so a member's address and port name its session.
class TlsSessions {
  public:
    using Key = std::pair<boost::asio::ip::address, uint16_t>;
    SSL_SESSION* find(const Key& key) const;          // not owned; null when none
    void keep(const Key& key, SSL_SESSION* session);  // takes ownership

  private:
    struct Free {
        void operator()(SSL_SESSION* s) const { SSL_SESSION_free(s); }
    };
    std::map<Key, std::unique_ptr<SSL_SESSION, Free>> sessions_;
};

class HttpMonitor final : public Monitor {
  public:
    HttpMonitor(boost::asio::io_context& io, const conf::HttpParams& params);
    void probe(const ProbeTarget& target, std::chrono::milliseconds timeout,
               ProbeDone done) override;

  private:
    boost::asio::io_context& io_;
    std::shared_ptr<const HttpResponseJudge> judge_;
    // Shared with the probes' TLS streams, which may outlive this monitor across a reload.
    std::shared_ptr<boost::asio::ssl::context> tls_;
    std::shared_ptr<TlsSessions> sessions_;  // null unless use_ssl and tls_session_reuse
};

}  // namespace pharos::health
