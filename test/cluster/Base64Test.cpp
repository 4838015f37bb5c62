#include <catch2/catch.hpp>

#include "cluster/Base64.hpp"

using pharos::cluster::fromBase64;
using pharos::cluster::toBase64;

TEST_CASE("base64: RFC 4648's vectors, every tail length, both ways") {
    std::vector<std::pair<std::string, std::string>> vectors = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [plain, coded] : vectors) {
        INFO(plain);
        CHECK(toBase64(plain) == coded);
        auto back = fromBase64(coded);
        REQUIRE(back);
        CHECK(*back == plain);
    }
}

TEST_CASE("base64: binary bytes and long values round trip on one line") {
    std::string all;
    for (int i = 0; i < 256; ++i) {
        all += char(i);
    }
    for (size_t n : {1, 2, 3, 4, 255, 256}) {
        std::string bytes = all.substr(0, n);
        std::string coded = toBase64(bytes);
        INFO(n);
        CHECK(coded.size() == 4 * ((n + 2) / 3));
        CHECK(coded.find('\n') == std::string::npos);  // etcd's JSON wants one string
        auto back = fromBase64(coded);
        REQUIRE(back);
        CHECK(*back == bytes);
    }
    CHECK(toBase64(std::string("\0\xff", 2)) == "AP8=");
    CHECK(fromBase64("AP8=") == std::string("\0\xff", 2));
}

TEST_CASE("base64: text that is not base64 is nothing") {
    for (const char* text : {"Zg", "Zg=", "Zm9vY", "Zm9*", "Zm9v!!!!", "Zm9v Zg=", "-_-_"}) {
        INFO(text);
        CHECK_FALSE(fromBase64(text));
    }
}

// EVP_DecodeBlock reads '=' as a zero digit anywhere, and fromBase64 only counts the last two
// characters as padding, so these decode to made-up bytes instead of nothing.
TEST_CASE("base64: padding anywhere but the end is not base64", "[cluster]") {
    for (const char* text : {"====", "A===", "Zm=v", "Zg==Zm8="}) {
        INFO(text);
        CHECK_FALSE(fromBase64(text));
    }
}
