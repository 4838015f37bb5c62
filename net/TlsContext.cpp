#include "net/TlsContext.hpp"

#include <filesystem>
#include <functional>
#include <stdexcept>

namespace pharos::net {
namespace {

namespace ssl = boost::asio::ssl;

void load(const TlsSettings& s, const char* key, const std::string& path,
          const std::function<void()>& use) {
    if (path.empty()) {
        return;
    }
    if (s.name.empty()) {
        use();
        return;
    }
    std::string what = s.name + "." + key + ": ";
    std::error_code missing;
    if (!std::filesystem::exists(path, missing)) {
        throw std::runtime_error(what + path + " does not exist");
    }
    try {
        use();
    } catch (const boost::system::system_error& e) {
        throw std::runtime_error(what + "cannot use " + path + ": " + e.code().message());
    }
}

}  // namespace

TlsContext::TlsContext(const TlsSettings& s) : verify_(s.verify) {
    if (s.verify) {
        context_.set_verify_mode(ssl::verify_peer);
        if (s.ca_file.empty()) {
            context_.set_default_verify_paths();
        }
        load(s, "ca", s.ca_file, [&] { context_.load_verify_file(s.ca_file); });
    } else {
        context_.set_verify_mode(ssl::verify_none);  // no CA to load then
    }
    load(s, "cert", s.cert_file, [&] { context_.use_certificate_chain_file(s.cert_file); });
    load(s, "key", s.key_file,
         [&] { context_.use_private_key_file(s.key_file, ssl::context::pem); });
}

}  // namespace pharos::net
