#pragma once
// A self-signed certificate for one DNS name, made in-process with OpenSSL at test time.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <string>

namespace pharos::test {

struct SelfSigned {
    std::string cert_pem, key_pem;
    explicit SelfSigned(const std::string& name) {
        EVP_PKEY* key = EVP_EC_gen("P-256");
        X509* cert = X509_new();
        ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
        // Valid from a day ago for a week: the overload drills step the host's clock by minutes.
        X509_gmtime_adj(X509_getm_notBefore(cert), -86400);
        X509_gmtime_adj(X509_getm_notAfter(cert), 7 * 86400);
        X509_set_pubkey(cert, key);
        X509_NAME* subject = X509_get_subject_name(cert);
        X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
        X509_set_issuer_name(cert, subject);
        X509_EXTENSION* san =
            X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, ("DNS:" + name).c_str());
        X509_add_ext(cert, san, -1);
        X509_EXTENSION_free(san);
        X509_sign(cert, key, EVP_sha256());
        cert_pem = toPem([&](BIO* b) { PEM_write_bio_X509(b, cert); });
        key_pem = toPem([&](BIO* b) {
            PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
        });
        X509_free(cert);
        EVP_PKEY_free(key);
    }
    // Serves this certificate and its key from `ctx`.
    void useIn(boost::asio::ssl::context& ctx) const {
        ctx.use_certificate_chain(boost::asio::buffer(cert_pem));
        ctx.use_private_key(boost::asio::buffer(key_pem), boost::asio::ssl::context::pem);
    }
    template <typename Write>
    static std::string toPem(Write write) {
        BIO* bio = BIO_new(BIO_s_mem());
        write(bio);
        char* data = nullptr;
        long n = BIO_get_mem_data(bio, &data);
        std::string out(data, size_t(n));
        BIO_free(bio);
        return out;
    }
};

}  // namespace pharos::test
