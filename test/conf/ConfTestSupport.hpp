#pragma once
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "conf/ConfigLoader.hpp"

namespace pharos::test {

inline std::vector<conf::ConfigError> errorsOf(const conf::LoadResult& r) {
    if (auto* e = std::get_if<std::vector<conf::ConfigError>>(&r)) {
        return *e;
    }
    return {};
}

inline std::string allErrors(const conf::LoadResult& r) {
    std::string out;
    for (const auto& e : errorsOf(r)) {
        out += e.str() + "\n";
    }
    return out;
}

// Loads an LB file given as text and requires it to be valid.
inline conf::Config loadOk(const std::string& lb, const std::string& topology = "") {
    auto r = conf::loadLbText(lb, topology, "lb.yaml", "topology.yaml");
    INFO(allErrors(r));
    REQUIRE(std::holds_alternative<conf::Config>(r));
    return std::get<conf::Config>(r);
}

// Loads an LB file that must be rejected with exactly one error, and returns it.
inline conf::ConfigError loadOneError(const std::string& lb, const std::string& topology = "") {
    auto r = conf::loadLbText(lb, topology, "lb.yaml", "topology.yaml");
    auto errors = errorsOf(r);
    INFO(allErrors(r));
    REQUIRE(errors.size() == 1);
    return errors[0];
}

// A valid one-pool file with `extra` spliced into the pool and `member_extra` into member 0.
inline std::string pool(const std::string& extra = "", const std::string& member_extra = "",
                        const std::string& monitor = "monitor: http") {
    return "pools:\n  p:\n    " + monitor + "\n    lb_method: wrr\n" + extra +
           "    members:\n    - ip: 10.0.0.1\n      name: a\n      weight: 1\n" + member_extra +
           "    - ip: 10.0.0.2\n      name: b\n      weight: 2\n"
           "globalnames:\n  www.example.com:\n    pool: p\n    ttl: 5\n";
}

}  // namespace pharos::test
