#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "ConfTestSupport.hpp"

using namespace pharos;
namespace fs = std::filesystem;

namespace {

// A scratch folder with the Polaris sample files and a pharos.yaml given as text.
struct ClusterDir {
    fs::path dir = fs::temp_directory_path() / ("pharos-cluster-test-" + std::to_string(getpid()));
    ClusterDir() {
        fs::create_directories(dir);
        for (const char* name : {"polaris-lb.yaml", "polaris-topology.yaml"}) {
            fs::copy_file(fs::path(PHAROS_TEST_DATA) / name, dir / name,
                          fs::copy_options::overwrite_existing);
        }
        // The parser checks that TLS files exist (not what is in them: pharos-health does).
        for (const char* name : {"c", "k", "ca", "client.pem", "client.key", "ca.pem"}) {
            std::ofstream(dir / name) << "";
        }
    }
    std::string file(const char* name) const { return (dir / name).string(); }
    ~ClusterDir() { fs::remove_all(dir); }
    std::string path() const { return (dir / "pharos.yaml").string(); }
    conf::LoadResult load(const std::string& text) {
        std::ofstream(dir / "pharos.yaml") << text;
        return conf::loadConfig(path());
    }
    conf::ClusterSettings ok(const std::string& text) {
        auto r = load(text);
        INFO(text << test::allErrors(r));
        REQUIRE(std::holds_alternative<conf::Config>(r));
        return std::get<conf::Config>(r).settings.cluster;
    }
};

}  // namespace

TEST_CASE("cluster: every key is read") {
    ClusterDir d;
    auto c = d.ok(R"(cluster:
  etcd:
  - https://etcd1.example:2379
  - "https://[2001:db8::5]:2379/"
  - http://10.0.0.9:12379
  node: dc1-a.pharos_1
  site: eu-west
  prefix: /gslb/prod/
  lease_ttl: 10
  tls: {cert: client.pem, key: ./client.key, ca: ca.pem}
)");
    CHECK(c.enabled());
    REQUIRE(c.etcd.size() == 3);
    CHECK(c.etcd[0] ==
          conf::EtcdEndpoint{"https://etcd1.example:2379", "https", "etcd1.example", 2379});
    CHECK(c.etcd[1].host == "2001:db8::5");
    CHECK(c.etcd[1].port == 2379);
    CHECK(c.etcd[2].scheme == "http");
    CHECK(c.etcd[2].port == 12379);
    CHECK(c.node == "dc1-a.pharos_1");
    CHECK(c.site == "eu-west");
    CHECK(c.prefix == "/gslb/prod/");
    CHECK(c.lease_ttl.count() == 10);
    // Relative to pharos.yaml's folder, as lb and admin_state are.
    CHECK(c.cert_file == d.file("client.pem"));
    CHECK(c.key_file == d.file("client.key"));
    CHECK(c.ca_file == d.file("ca.pem"));
}

TEST_CASE("cluster: defaults, and node_name names the node") {
    ClusterDir d;
    auto c = d.ok("node_name: dc2-b\ncluster:\n  etcd: [http://127.0.0.1:2379]\n");
    CHECK(c.node == "dc2-b");
    CHECK(c.prefix == "/pharos/");
    CHECK(c.lease_ttl.count() == 3);
    CHECK(c.site.empty());
    CHECK(c.cert_file.empty());
    CHECK_FALSE(d.ok("cluster:\n  etcd: [https://e:2379]\n").node.empty());  // the host name
    // An explicit node wins over node_name.
    CHECK(d.ok("node_name: n1\ncluster:\n  etcd: [http://e:2379]\n  node: n2\n").node == "n2");
}

TEST_CASE("cluster: standalone without a cluster section") {
    ClusterDir d;
    CHECK_FALSE(d.ok("").enabled());
    CHECK_FALSE(d.ok("node_name: a\n").enabled());
    CHECK_FALSE(d.ok("cluster:\n").enabled());
}

TEST_CASE("cluster: errors name the file, line and key") {
    ClusterDir d;
    struct Case {
        std::string text;
        int line;
        std::string key;
        std::string message;
    };
    std::vector<Case> cases = {
        {"cluster:\n  node: a\n", 2, "cluster.etcd", "required key is missing"},
        {"cluster:\n  etcd: []\n", 2, "cluster.etcd", "1 to 16 etcd endpoint URLs"},
        {"cluster:\n  etcd: http://e:2379\n", 2, "cluster.etcd", "expected a list"},
        {"cluster:\n  etcd:\n  - http://e:2379\n  - http://e:2379/v3\n", 4, "cluster.etcd[1]",
         "found \"http://e:2379/v3\""},
        {"cluster:\n  etcd:\n  - http://e:2379?x=1\n", 3, "cluster.etcd[0]", "etcd client URL"},
        {"cluster:\n  etcd:\n  - grpc://e:2379\n", 3, "cluster.etcd[0]", "http[s]://HOST:PORT"},
        {"cluster:\n  etcd:\n  - {url: http://e:2379}\n", 3, "cluster.etcd[0]", "(not text)"},
        {"cluster:\n  etcd: [http://e:2379]\n  node: dc1/a\n", 3, "cluster.node",
         "letters, digits, '-', '_' or '.', found \"dc1/a\""},
        {"cluster:\n  etcd: [http://e:2379]\n  node: dc 1\n", 3, "cluster.node", "found \"dc 1\""},
        {"node_name: dc 1\ncluster:\n  etcd: [http://e:2379]\n", 3, "cluster.node",
         "found \"dc 1\""},
        {"cluster:\n  etcd: [http://e:2379]\n  prefix: pharos/\n", 3, "cluster.prefix",
         "starts and ends with '/'"},
        {"cluster:\n  etcd: [http://e:2379]\n  prefix: /pharos\n", 3, "cluster.prefix",
         "found \"/pharos\""},
        {"cluster:\n  etcd: [http://e:2379]\n  prefix: /\n", 3, "cluster.prefix", "found \"/\""},
        {"cluster:\n  etcd: [http://e:2379]\n  lease_ttl: 1\n", 3, "cluster.lease_ttl", "2"},
        {"cluster:\n  etcd: [http://e:2379]\n  lease_ttl: 61\n", 3, "cluster.lease_ttl", "60"},
        {"cluster:\n  etcd: [http://e:2379]\n  tls: {cert: c, key: k, ca: ca}\n", 3, "cluster.tls",
         "needs https:// endpoints"},
        {"cluster:\n  etcd: [https://e:2379]\n  tls: {cert: c, key: k, ca: ca, crt: /x}\n", 3,
         "cluster.tls.crt", "unknown key"},
        {"cluster:\n  etcd: [http://e:2379]\n  endpoints: [http://e:2379]\n", 3,
         "cluster.endpoints", "unknown key"},
        {"cluster:\n  etcd: [http://e:2379]\n  lease_tll: 5\n", 3, "cluster.lease_tll",
         "did you mean \"lease_ttl\""},
        {"cluster: [http://e:2379]\n", 1, "cluster", "expected a map"},
    };
    for (const auto& c : cases) {
        auto r = d.load(c.text);
        auto errors = test::errorsOf(r);
        INFO(c.text << test::allErrors(r));
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].file == d.path());
        CHECK(errors[0].line == c.line);
        CHECK(errors[0].key == c.key);
        CHECK_THAT(errors[0].message, Catch::Contains(c.message));
    }
}

TEST_CASE("cluster.tls: a certificate without its key is an error at tls") {
    ClusterDir d;
    for (const char* tls :
         {"\n    cert: client.pem\n    ca: ca.pem\n", " {key: client.key, ca: ca.pem}\n"}) {
        auto r = d.load(std::string("cluster:\n  etcd: [https://e:2379]\n  tls:") + tls);
        INFO(tls << test::allErrors(r));
        auto errors = test::errorsOf(r);
        auto both = std::find_if(errors.begin(), errors.end(),
                                 [](const auto& e) { return e.key == "cluster.tls"; });
        REQUIRE(both != errors.end());
        CHECK(both->line == (tls[0] == '\n' ? 4 : 3));
        CHECK_THAT(both->message, Catch::Contains("needs both `cert` and `key`"));
    }
}

TEST_CASE("cluster.tls: each key may be left out; a missing file is an error at its key") {
    ClusterDir d;
    auto ca = d.load("cluster:\n  etcd: [https://e:2379]\n  tls: {ca: ca.pem}\n");
    CHECK(test::errorsOf(ca).empty());
    auto client = d.load("cluster:\n  etcd: [https://e:2379]\n  tls: {cert: c, key: k}\n");
    CHECK(test::errorsOf(client).empty());
    auto half = d.load("cluster:\n  etcd: [https://e:2379]\n  tls: {cert: c}\n");
    CHECK(test::errorsOf(half).size() == 1);
    auto missing = d.load("cluster:\n  etcd: [https://e:2379]\n  tls:\n    ca: nowhere.pem\n");
    auto errors = test::errorsOf(missing);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].line == 4);
    CHECK(errors[0].key == "cluster.tls.ca");
    CHECK_THAT(errors[0].message, Catch::Contains(d.file("nowhere.pem") + " does not exist"));
}

TEST_CASE("health_quorum: each value, local by default, anything else at its line") {
    CHECK(test::loadOk(test::pool()).pools[0].health_quorum == conf::HealthQuorum::Local);
    std::vector<std::pair<std::string, conf::HealthQuorum>> values = {
        {"local", conf::HealthQuorum::Local},
        {"any", conf::HealthQuorum::Any},
        {"majority", conf::HealthQuorum::Majority},
        {"all", conf::HealthQuorum::All},
    };
    for (const auto& [text, value] : values) {
        INFO(text);
        auto c = test::loadOk(test::pool("    health_quorum: " + text + "\n"));
        CHECK(c.pools[0].health_quorum == value);
        CHECK(conf::toString(value) == text);
    }
    auto e = test::loadOneError(test::pool("    health_quorum: most\n"));
    CHECK(e.file == "lb.yaml");
    CHECK(e.line == 5);
    CHECK(e.key == "pools.p.health_quorum");
    CHECK_THAT(e.message, Catch::Contains("expected one of local, any, majority, all"));
    CHECK_THAT(e.message, Catch::Contains("most"));
}
