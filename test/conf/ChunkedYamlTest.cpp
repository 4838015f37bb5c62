#include <catch2/catch.hpp>

#include "conf/ChunkedYaml.hpp"
#include "conf/ConfigLoader.hpp"

using namespace pharos;

namespace {

std::string render(const YAML::Node& n) {
    if (n.IsScalar()) {
        return n.Scalar();
    }
    std::string out = n.IsMap() ? "{" : "[";
    for (auto it = n.begin(); it != n.end(); ++it) {
        out += out.size() > 1 ? ", " : "";
        out += n.IsMap() ? render(it->first) + ": " + render(it->second) : render(*it);
    }
    return out + (n.IsMap() ? "}" : "]");
}

// Each entry of `key` as "name=value" (the value in flow style), and whether it was chunked.
std::pair<std::vector<std::string>, bool> entries(const std::string& text, const char* key) {
    std::vector<conf::ConfigError> errors;
    conf::YamlReader in("lb.yaml", errors);
    auto doc = conf::ChunkedYaml::parse(in, text, {"pools", "globalnames"});
    REQUIRE(doc);
    std::vector<std::string> out;
    doc->forEach(in, key, [&](const YAML::Node& k, const YAML::Node& v) {
        out.push_back(k.Scalar() + "=" + render(v));
    });
    REQUIRE(errors.empty());
    return {out, doc->chunked()};
}

// The single error the LB text gives, as file:line:column: key: message.
std::string oneError(const std::string& text) {
    auto r = conf::loadLbText(text, "", "lb.yaml", "");
    REQUIRE(std::holds_alternative<std::vector<conf::ConfigError>>(r));
    const auto& errors = std::get<std::vector<conf::ConfigError>>(r);
    INFO(errors.size() << " errors, the first " << errors[0].str());
    REQUIRE(errors.size() == 1);
    return errors[0].str();
}

const std::string kPools = R"(# two pools
pools:   # every pool
  a:
    monitor: tcp
    monitor_params: {port: 80}

    # the second
  b:
    monitor: forced
    members:
    - ip: 10.0.0.2
globalnames:
  x.example: {pool: a, ttl: 1}
  y.example:
    pool: b
)";

}  // namespace

TEST_CASE("chunked: every entry of pools and globalnames, as the whole tree has them") {
    auto [pools, chunked] = entries(kPools, "pools");
    CHECK(chunked);
    CHECK(pools == std::vector<std::string>{"a={monitor: tcp, monitor_params: {port: 80}}",
                                            "b={monitor: forced, members: [{ip: 10.0.0.2}]}"});
    auto [names, unused] = entries(kPools, "globalnames");
    CHECK(names == std::vector<std::string>{"x.example={pool: a, ttl: 1}", "y.example={pool: b}"});

    // The same document parsed whole: an alias anywhere may point across entries.
    std::string aliased = kPools + "extra: &e 1\nmore: *e\n";
    auto [whole, cut] = entries(aliased, "pools");
    CHECK_FALSE(cut);
    CHECK(whole == pools);
    // Flow style, entries sharing a line, CRLF line ends.
    auto [flow, flow_cut] = entries("pools: {a: {monitor: tcp}, b: {monitor: forced}}\n", "pools");
    CHECK_FALSE(flow_cut);
    CHECK(flow == std::vector<std::string>{"a={monitor: tcp}", "b={monitor: forced}"});
    auto [tagged, tag_cut] = entries("pools: !!map\n  a: {monitor: tcp}\n", "pools");
    CHECK_FALSE(tag_cut);
    CHECK(tagged == std::vector<std::string>{"a={monitor: tcp}"});
    std::string crlf;
    for (char c : kPools) {
        crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    }
    auto [crlf_pools, crlf_cut] = entries(crlf, "pools");
    CHECK(crlf_cut);
    CHECK(crlf_pools == pools);
}

TEST_CASE("chunked: errors inside an entry name the line and column in the file") {
    std::string text =
        "pools:\n"
        "  a:\n"
        "    monitor: forced\n"
        "    lb_method: wrr\n"
        "    members: [{ip: 10.0.0.1, name: a1, weight: 1}]\n"
        "  b:\n"
        "    monitor: forced\n"
        "    lb_method: wrr\n"
        "    members:\n"
        "    - {ip: 10.0.0.2, name: b1, weight: 1}\n"
        "    - {ip: 10.0.0.3, name: b2, weight: 999}\n"
        "globalnames:\n"
        "  x.example: {pool: a, ttl: 1}\n"
        "  y.example: {pool: b, ttl: 1}\n";
    CHECK_THAT(oneError(text), Catch::StartsWith("lb.yaml:11:40: pools.b.members[1].weight:"));
    std::string bad_name = text;
    bad_name.replace(bad_name.find("weight: 999"), 11, "weight: 1");
    bad_name.replace(bad_name.find("pool: b"), 7, "pool: c");
    CHECK_THAT(oneError(bad_name),
               Catch::StartsWith("lb.yaml:14:21: globalnames[y.example].pool: no pool named"));
    // The same error when an alias makes the file parse whole.
    std::string aliased = text;
    aliased.replace(aliased.find("name: b1, weight: 1"), 19, "name: b1, weight: &w 1");
    aliased.replace(aliased.find("pool: b, ttl: 1"), 15, "pool: b, ttl: *w");
    CHECK_THAT(oneError(aliased), Catch::StartsWith("lb.yaml:11:40: pools.b.members[1].weight:"));
    // A syntax error anywhere is found before any entry is read.
    CHECK_THAT(oneError(text + "  z.example: [\n"), Catch::Contains("YAML syntax error"));
}

TEST_CASE("chunked: a pool name defined twice is an error, with both lines") {
    std::string text =
        "pools:\n"
        "  a: {monitor: forced, lb_method: wrr, members: [{ip: 10.0.0.1, name: a, weight: 1}]}\n"
        "  a: {monitor: forced, lb_method: wrr, members: [{ip: 10.0.0.2, name: b, weight: 1}]}\n"
        "globalnames:\n"
        "  x.example: {pool: a, ttl: 1}\n";
    CHECK(oneError(text) ==
          "lb.yaml:3:3: pools.a: a pool of this name is defined already, on line 2");
}

TEST_CASE("chunked: a value spanning lines at an entry's column makes the file parse whole") {
    // yaml-cpp reads the quoted name across its line break; cut at "  two", the first piece
    // would not parse, so the loader starts over with the whole document.
    std::string text =
        "pools:\n"
        "  a:\n"
        "    monitor: forced\n"
        "    lb_method: wrr\n"
        "    members:\n"
        "    - ip: 10.0.0.1\n"
        "      name: \"one\n"
        "  two: x\"\n"
        "      weight: 1\n"
        "globalnames:\n"
        "  x.example: {pool: a, ttl: 1}\n";
    CHECK_THROWS_AS(entries(text, "pools"), conf::ChunkedYaml::Recut);
    auto r = conf::loadLbText(text, "", "lb.yaml", "");
    REQUIRE(std::holds_alternative<conf::Config>(r));
    const auto& c = std::get<conf::Config>(r);
    REQUIRE(c.pools.size() == 1);
    CHECK(c.pools[0].members.at(0).name == "one two: x");
    CHECK(c.globalnames.size() == 1);
}

TEST_CASE("chunked: a second document makes the file parse whole, as yaml-cpp reads only one") {
    std::string later = "pools: {}\nglobalnames: {}\n---\n" + kPools;
    auto [pools, chunked] = entries(later, "pools");
    CHECK_FALSE(chunked);
    CHECK(pools.empty());
    // A marker before the first content starts the one document: the cut still applies.
    auto [leading, leading_chunked] = entries("%YAML 1.2\n---\n" + kPools + "...\n", "pools");
    CHECK(leading_chunked);
    CHECK(leading.size() == 2);
}

TEST_CASE("chunked: a key's colon with a # right after it is no key, as the whole document says") {
    // YAML starts a comment at a # after a space only: `globalnames:#` is one plain scalar, and
    // the entry under it makes the document invalid. The cut took it for the key and loaded
    // the file (fuzzing's input, minimized).
    std::string text =
        "pools:\n"
        " web:\n"
        "    monitor: http\n"
        "    lb_method: fogroup\n"
        "    members:\n"
        "    - {cname: d,name: b,weight: 1}\n"
        "globalnames:#\n"
        " o: {pool: web,ttl: 5}";
    CHECK(oneError(text) == "lb.yaml:8:3: YAML syntax error: illegal map value");
    std::string spaced = kPools;
    spaced.replace(spaced.find("globalnames:"), 12, "globalnames: #names");
    auto [names, chunked] = entries(spaced, "globalnames");
    CHECK(chunked);
    CHECK(names.size() == 2);
}
