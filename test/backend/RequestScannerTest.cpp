#include <catch2/catch.hpp>

#include "backend/RequestScanner.hpp"

using pharos::backend::LookupRequest;
using pharos::backend::scanLookup;

TEST_CASE("the scanner reads pdns's lookup in any key order") {
    LookupRequest r;
    REQUIRE(scanLookup(
        R"({"method":"lookup","parameters":{"qtype":"ANY","qname":"www.example.com.","remote":"192.0.2.1","local":"127.0.0.1","real-remote":"192.0.2.0/24","zone-id":12}})",
        r));
    CHECK(r.qtype == "ANY");
    CHECK(r.qname == "www.example.com.");
    CHECK(r.remote == "192.0.2.1");
    CHECK(r.local == "127.0.0.1");
    CHECK(r.real_remote == "192.0.2.0/24");
    CHECK(r.zone_id == 12);
    REQUIRE(scanLookup(
        R"( { "parameters" : { "zone-id" : -1, "qname" : "a.", "extra" : {"x":[1,2,{"y":null}]}, "qtype" : "A" }, "method" : "lookup" } )",
        r));
    CHECK(r.qname == "a.");
    CHECK(r.zone_id == -1);
    CHECK(r.remote.empty());
}

TEST_CASE("the scanner leaves everything unusual to the JSON parser") {
    LookupRequest r;
    for (const char* text :
         {R"({"method":"initialize","parameters":{}})",
          R"({"method":"lookup","parameters":{"qtype":"A","qname":"a\"b."}})",
          R"({"method":"lookup","parameters":{"qtype":"A"}})", R"({"method":"lookup"})",
          R"({"method":"lookup","parameters":{"qtype":"A","qname":"a."}} trailing)",
          R"({"method":"lookup","parameters":{"qtype":"A","qname":"a.")",
          R"({"method":"lookup","parameters":{"qtype":1,"qname":"a."}})", "", "{", "null",
          // What JSON forbids must not pass here either (nlohmann rejects each).
          R"({"method":"lookup","parameters":{"qtype":"A","qname":"a.","x":garbage}})",
          R"({"method":"lookup","parameters":{"qtype":"A","qname":"a.","zone-id":012}})",
          R"({"method":"lookup","parameters":{"qtype":"A","qname":"a.","x":1.}})",
          R"({"method":"lookup","parameters":{"qtype":"A","qname":"a.","x":+1}})",
          "{\"method\":\"lookup\",\"parameters\":{\"qtype\":\"A\",\"qname\":\"\xff.\"}}"}) {
        INFO(text);
        CHECK_FALSE(scanLookup(text, r));
    }
}
