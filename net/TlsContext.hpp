#pragma once
// The TLS client context of every HTTPS client of pharos-health (https monitors, webhooks,
// etcd), built in this one place: whether the server's certificate is verified, against which
// CAs, and the client certificate a server may ask for (etcd with client-cert-auth).
#include <boost/asio/ssl.hpp>
#include <memory>
#include <string>

namespace pharos::net {

struct TlsSettings {
    bool verify = true;     // the certificate chain, and the name (HttpTarget::server_name)
    std::string ca_file;    // PEM bundle to verify against; empty: the system store
    std::string cert_file;  // client certificate chain (PEM); empty: none
    std::string key_file;   // its private key (PEM)
    // The settings' name in errors ("cluster.tls"): a file that cannot be used is then reported
    // as a std::runtime_error naming the key and the file ("cluster.tls.ca: ... does not
    // exist"). Empty: OpenSSL's own error, as a boost::system::system_error.
    std::string name;
};

// A TLS session a server gave, offered to it again for an abbreviated handshake.
struct TlsSessionFree {
    void operator()(SSL_SESSION* s) const { SSL_SESSION_free(s); }
};
using TlsSession = std::unique_ptr<SSL_SESSION, TlsSessionFree>;

class TlsContext {
  public:
    // Throws when a file cannot be used (see TlsSettings::name).
    explicit TlsContext(const TlsSettings& settings);
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    // The streams of HttpClient refer to it: hold the TlsContext as long as they live.
    boost::asio::ssl::context& native() { return context_; }
    bool verifies() const { return verify_; }

  private:
    boost::asio::ssl::context context_{boost::asio::ssl::context::tls_client};
    bool verify_;
};

}  // namespace pharos::net
