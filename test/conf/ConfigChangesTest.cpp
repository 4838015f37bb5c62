#include <catch2/catch.hpp>

#include "conf/ConfigLoader.hpp"

using namespace pharos;

namespace {
conf::Config load(const std::string& lb) {
    auto r = conf::loadLbText(lb, "a: [10.1.0.0/16]\nb: [10.2.0.0/16]\n");
    if (auto* errors = std::get_if<std::vector<conf::ConfigError>>(&r)) {
        FAIL(errors->at(0).str());
    }
    return std::get<conf::Config>(r);
}

constexpr const char* kBefore = R"(
pools:
  web:
    monitor: tcp
    monitor_params: {port: 80}
    lb_method: fogroup
    members:
    - {ip: 10.1.0.5, name: www1, weight: 1}
    - {ip: 10.2.0.5, name: www2, weight: 1}
  old:
    monitor: forced
    lb_method: wrr
    members: [{ip: 10.1.0.9, name: o1, weight: 1}]
globalnames:
  www.example.com: {pool: web, ttl: 5}
  old.example.com: {pool: old, ttl: 5}
)";
}  // namespace

TEST_CASE("a reload's changes, one line each") {
    auto before = load(kBefore);
    CHECK(conf::describeChanges(before, load(kBefore)).empty());
    std::string after = R"(
pools:
  web:
    monitor: tcp
    monitor_params: {port: 81}
    lb_method: fogroup
    members:
    - {ip: 10.1.0.5, name: www1, weight: 3}
    - {ip: 10.2.0.5, name: www2, weight: 1}
  new:
    monitor: forced
    lb_method: wrr
    members: [{ip: 10.1.0.7, name: n1, weight: 1}]
globalnames:
  www.example.com: {pool: web, ttl: 9}
  new.example.com: {pool: new, ttl: 5}
)";
    auto changes = conf::describeChanges(before, load(after));
    std::vector<std::string> expected = {
        "pool old removed",  // pools in name order
        "pool web: monitor settings changed",
        "pool web: member www1 10.1.0.5 changed",
        "pool new added with 1 members",
        "globalname www.example.com: pool web, ttl 9",
        "globalname old.example.com removed",
        "globalname new.example.com added (pool new)",
    };
    CHECK(changes == expected);
}
