#include "cluster/Base64.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

namespace pharos::cluster {

std::string toBase64(const std::string& bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    int n =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                        reinterpret_cast<const unsigned char*>(bytes.data()), int(bytes.size()));
    out.resize(size_t(n));
    return out;
}

std::optional<std::string> fromBase64(const std::string& text) {
    // EVP_DecodeBlock reads '=' anywhere as a zero digit and skips blanks: only the last two
    // characters may be padding, and nothing else but the alphabet.
    size_t data = text.size() >= 1 && text.back() == '=' ? text.size() - 1 : text.size();
    if (data == text.size() - 1 && data >= 1 && text[data - 1] == '=') {
        --data;
    }
    bool clean = std::all_of(text.begin(), text.begin() + ptrdiff_t(data), [](char c) {
        return std::isalnum(uint8_t(c)) || c == '+' || c == '/';
    });
    if (text.size() % 4 != 0 || !clean) {
        return std::nullopt;
    }
    std::string out(3 * (text.size() / 4) + 1, '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(text.data()), int(text.size()));
    if (n < 0) {
        return std::nullopt;
    }
    // EVP_DecodeBlock counts the padding as zero bytes.
    size_t padding = text.size() >= 2 && text[text.size() - 2] == '=' ? 2
                     : !text.empty() && text[text.size() - 1] == '='  ? 1
                                                                      : 0;
    out.resize(size_t(n) - padding);
    return out;
}

}  // namespace pharos::cluster
