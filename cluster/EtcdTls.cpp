#include "cluster/EtcdTls.hpp"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>

namespace pharos::cluster {

namespace {

void loadTls(const char* key, const std::string& path, const std::function<void()>& load) {
    if (path.empty()) {
        return;
    }
    std::error_code missing;
    if (!std::filesystem::exists(path, missing)) {
        throw std::runtime_error(std::string("cluster.tls.") + key + ": " + path +
                                 " does not exist");
    }
    try {
        load();
    } catch (const boost::system::system_error& e) {
        throw std::runtime_error(std::string("cluster.tls.") + key + ": cannot use " + path + ": " +
                                 e.code().message());
    }
}

}  // namespace

std::shared_ptr<boost::asio::ssl::context> makeEtcdTls(const conf::ClusterSettings& s) {
    namespace ssl = boost::asio::ssl;
    bool https = std::any_of(s.etcd.begin(), s.etcd.end(),
                             [](const conf::EtcdEndpoint& e) { return e.scheme == "https"; });
    if (!https) {
        return nullptr;
    }
    auto tls = std::make_shared<ssl::context>(ssl::context::tls_client);
    tls->set_verify_mode(ssl::verify_peer);
    if (s.ca_file.empty()) {
        tls->set_default_verify_paths();
    }
    loadTls("ca", s.ca_file, [&] { tls->load_verify_file(s.ca_file); });
    loadTls("cert", s.cert_file, [&] { tls->use_certificate_chain_file(s.cert_file); });
    loadTls("key", s.key_file, [&] { tls->use_private_key_file(s.key_file, ssl::context::pem); });
    return tls;
}

}  // namespace pharos::cluster
