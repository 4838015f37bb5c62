#include <catch2/catch.hpp>

#include "cluster/StateCodec.hpp"

using namespace pharos;
using namespace pharos::cluster;
using pharos::state::AdminOverride;

namespace {

const std::string kPrefix = "/pharos/state/";

admin::Override drain(const std::string& pool, const std::string& address) {
    return {pool, "www", address, AdminOverride::Drain, "patching", "alice", 1000, 0};
}

admin::AdminState sample() {
    admin::AdminState s;
    s.overrides.set(drain("web", "10.0.0.1"));
    auto up = drain("edge/eu", "cdn.example.net");
    up.action = AdminOverride::ForcedUp;
    up.until_ms = 99999;
    s.overrides.set(up);
    s.policy.setHolder({"web", "www2", "10.0.0.2", true, 2000, "bob", "site move"});
    s.policy.addPending({"db", "db1", "2001:db8::1", 3000, false, ""});
    return s;
}

}  // namespace

TEST_CASE("state codec: one key per override, holder and approval") {
    StateKeys keys = encodeState(kPrefix, sample());
    std::vector<std::string> names;
    for (const auto& [key, value] : keys) {
        names.push_back(key);
    }
    CHECK(names == std::vector<std::string>{
                       "/pharos/state/approval/db/2001:db8::1",
                       "/pharos/state/holder/web",
                       "/pharos/state/override/edge%2Feu/cdn.example.net",
                       "/pharos/state/override/web/10.0.0.1",
                   });
    CHECK(keys["/pharos/state/holder/web"] ==
          R"({"address":"10.0.0.2","by":"bob","directed":true,"member":"www2","pool":"web",)"
          R"("reason":"site move","since_ms":2000})");
    CHECK(escapeKeyPart("a/b%c") == "a%2Fb%25c");
    CHECK(encodeState(kPrefix, admin::AdminState{}).empty());
}

TEST_CASE("state codec: what one node encodes, another decodes the same") {
    admin::AdminState s = sample();
    DecodedState back = decodeState(kPrefix, encodeState(kPrefix, s));
    REQUIRE(back.state);
    CHECK(back.ignored.empty());
    CHECK(back.error.empty());
    // Keys come back in key order; the overrides' order is the only difference.
    CHECK(encodeState(kPrefix, *back.state) == encodeState(kPrefix, s));
    CHECK(back.state->policy == s.policy);
    CHECK(back.state->overrides.find("edge/eu", "cdn.example.net")->until_ms == 99999);

    DecodedState empty = decodeState(kPrefix, {});
    REQUIRE(empty.state);
    CHECK(*empty.state == admin::AdminState{});
}

TEST_CASE("state codec: changes name only the keys that differ") {
    admin::AdminState before = sample();
    admin::AdminState after = before;
    after.overrides.clear("web", "10.0.0.1");
    after.overrides.set(drain("web", "10.0.0.9"));
    after.policy.clearHolder("web");
    StateChanges changes = stateChanges(kPrefix, before, after);
    REQUIRE(changes.size() == 3);
    CHECK_FALSE(changes.at("/pharos/state/override/web/10.0.0.1"));
    CHECK_FALSE(changes.at("/pharos/state/holder/web"));
    REQUIRE(changes.at("/pharos/state/override/web/10.0.0.9"));
    CHECK(stateChanges(kPrefix, before, before).empty());
    // A changed value is written again.
    after = before;
    after.policy.approve("db", "carol");
    changes = stateChanges(kPrefix, before, after);
    REQUIRE(changes.size() == 1);
    CHECK(changes.begin()->first == "/pharos/state/approval/db/2001:db8::1");
    CHECK(changes.begin()->second->find("\"approved\":true") != std::string::npos);
}

TEST_CASE("state codec: keys it does not know are left out, an invalid entry fails it all") {
    StateKeys keys = encodeState(kPrefix, sample());
    keys["/pharos/state/version/x"] = "{}";               // not a kind of entry
    keys["/pharos/state/override/web/10.0.0.7"] = "[1]";  // not an object
    keys["/pharos/state/holder/db"] = "not json";
    keys["/pharos/other/holder/db"] = "{}";  // not under the prefix
    DecodedState d = decodeState(kPrefix, keys);
    REQUIRE(d.state);
    CHECK(d.ignored == std::vector<std::string>{
                           "/pharos/other/holder/db", "/pharos/state/holder/db",
                           "/pharos/state/override/web/10.0.0.7", "/pharos/state/version/x"});
    CHECK(encodeState(kPrefix, *d.state) == encodeState(kPrefix, sample()));

    const char* invalid[] = {
        R"({"pool":"web","address":"10.0.0.1","action":"nap","since_ms":1})",  // action
        R"({"pool":"web","address":"10.0.0.1","action":"drain"})",             // no since_ms
        R"({"pool":"web","address":"10.0.0.1","action":"drain","since_ms":1,"colour":"red"})",
    };
    for (const char* value : invalid) {
        INFO(value);
        DecodedState bad = decodeState(kPrefix, {{"/pharos/state/override/web/10.0.0.1", value}});
        CHECK_FALSE(bad.state);
        CHECK(bad.error.find("etcd /pharos/state/") == 0);
    }
}
