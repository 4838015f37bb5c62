#pragma once
// http / https: GET url_path with Host (and TLS SNI) from `hostname`; passes when the status
// is in expected_codes and, when body_match is set, the body contains it. Certificates are
// checked only with verify_tls (Polaris never checks, for private CAs).
#include <boost/asio/ssl.hpp>
#include <memory>

#include "health/Monitor.hpp"

namespace pharos::health {

// Bodies beyond this are not read: a member's health page is small, and the prober's memory
// must not follow what a member sends.
constexpr size_t kMaxHttpBody = 64 * 1024;
constexpr size_t kMaxHttpHeader = 16 * 1024;

// The verdict on a response the member sent: None when it passes, else why it fails.
FailureReason judgeHttpResponse(unsigned status, std::string_view body,
                                const conf::HttpParams& params);

class HttpMonitor final : public Monitor {
  public:
    HttpMonitor(boost::asio::io_context& io, const conf::HttpParams& params);
    void probe(const ProbeTarget& target, std::chrono::milliseconds timeout,
               ProbeDone done) override;

  private:
    boost::asio::io_context& io_;
    std::shared_ptr<const conf::HttpParams> params_;
    // Shared with the probes' TLS streams, which may outlive this monitor across a reload.
    std::shared_ptr<boost::asio::ssl::context> tls_;
};

}  // namespace pharos::health
