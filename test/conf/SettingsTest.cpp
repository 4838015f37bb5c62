#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ConfTestSupport.hpp"

using namespace pharos;
namespace fs = std::filesystem;

namespace {

// A scratch folder holding a pharos.yaml and the two Polaris sample files.
struct ConfigDir {
    fs::path dir;
    ConfigDir() {
        dir = fs::temp_directory_path() / ("pharos-conf-test-" + std::to_string(getpid()));
        fs::create_directories(dir);
        fs::copy_file(PHAROS_TEST_DATA "/polaris-lb.yaml", dir / "polaris-lb.yaml",
                      fs::copy_options::overwrite_existing);
        fs::copy_file(PHAROS_TEST_DATA "/polaris-topology.yaml", dir / "polaris-topology.yaml",
                      fs::copy_options::overwrite_existing);
    }
    ~ConfigDir() { fs::remove_all(dir); }
    std::string write(const std::string& name, const std::string& text) {
        std::ofstream(dir / name) << text;
        return (dir / name).string();
    }
};

}  // namespace

TEST_CASE("an empty pharos.yaml takes every default and the Polaris files beside it") {
    ConfigDir d;
    auto r = conf::loadConfig(d.write("pharos.yaml", ""));
    INFO(test::allErrors(r));
    REQUIRE(std::holds_alternative<conf::Config>(r));
    const auto& s = std::get<conf::Config>(r).settings;
    CHECK(s.lb_file == (d.dir / "polaris-lb.yaml").string());
    CHECK(s.topology_file == (d.dir / "polaris-topology.yaml").string());
    CHECK(s.backend_socket == "/run/pharos/backend.sock");
    CHECK(s.socket_group == "pdns");
    CHECK(s.health_table == "/pharos-health");
    CHECK(s.table_group == "pharos");
    CHECK(s.stale_after.count() == 10);
    CHECK(s.on_stale == conf::StalePolicy::FailOpen);
    CHECK(s.admin_state == "/var/lib/pharos/admin-state.json");
    CHECK(s.control_socket == "/run/pharos/control.sock");
    CHECK(s.control_group == "pharos");
    CHECK(s.http_listen == "127.0.0.1:9180");
    CHECK(s.log_level == "info");
    CHECK(s.config_file == (d.dir / "pharos.yaml").string());
    CHECK(std::get<conf::Config>(r).globalnames.size() == 1);
}

TEST_CASE("every pharos.yaml key is read") {
    ConfigDir d;
    fs::create_directories(d.dir / "lb");
    fs::copy_file(d.dir / "polaris-lb.yaml", d.dir / "lb" / "my-lb.yaml");
    auto r = conf::loadConfig(d.write("pharos.yaml",
                                      "lb: lb/my-lb.yaml\n"
                                      "topology: null\n"
                                      "backend:\n  socket: /tmp/x.sock\n  socket_group: dns\n"
                                      "health:\n  table: /t1\n  table_group: dns\n"
                                      "  stale_after: 2500ms\n  on_stale: last-known\n"
                                      "admin_state: state.json\n"
                                      "control:\n  socket: /tmp/c.sock\n  group: ops\n"
                                      "http:\n  listen: '[::1]:9999'\n"
                                      "user: nobody\n"
                                      "log_level: debug\n"));
    INFO(test::allErrors(r));
    REQUIRE(std::holds_alternative<conf::Config>(r));
    const auto& s = std::get<conf::Config>(r).settings;
    CHECK(s.lb_file == (d.dir / "lb" / "my-lb.yaml").string());
    CHECK(s.topology_file.empty());
    CHECK(s.backend_socket == "/tmp/x.sock");
    CHECK(s.socket_group == "dns");
    CHECK(s.health_table == "/t1");
    CHECK(s.table_group == "dns");
    CHECK(s.stale_after.count() == Approx(2.5));
    CHECK(s.on_stale == conf::StalePolicy::LastKnown);
    CHECK(s.admin_state == (d.dir / "state.json").string());
    CHECK(s.control_socket == "/tmp/c.sock");
    CHECK(s.control_group == "ops");
    CHECK(s.http_listen == "[::1]:9999");
    CHECK(s.log_level == "debug");
    CHECK(s.user == "nobody");
}

TEST_CASE("pharos.yaml errors name the file, line and key") {
    ConfigDir d;
    struct Case {
        std::string text;
        std::string key;
        std::string message;
    };
    std::vector<Case> cases = {
        {"loglevel: info\n", "loglevel", "did you mean \"log_level\""},
        {"log_level: loud\n", "log_level", "debug, info, warning, error"},
        {"health:\n  on_stale: fail-closed\n", "health.on_stale", "fail-open, last-known"},
        {"health:\n  table: pharos\n", "health.table", "shared-memory name"},
        {"health:\n  table: /a/b\n", "health.table", "shared-memory name"},
        {"health:\n  stale_after: 0s\n", "health.stale_after", "between 1s and 3600s"},
        {"health:\n  stale_after: soon\n", "health.stale_after", "expected a duration"},
        {"backend:\n  socket: /" + std::string(120, 's') + "\n", "backend.socket", "at most 107"},
        {"backend:\n  sockett: /x\n", "backend.sockett", "did you mean \"socket\""},
        {"http:\n  listen: localhost\n", "http.listen", "ADDRESS:PORT"},
        {"control:\n  groupe: ops\n", "control.groupe", "did you mean \"group\""},
        {"http:\n  listen: 0.0.0.0:9180\n", "http.listen", "not a loopback address"},
        {"health: 3\n", "health", "expected a map"},
    };
    for (const auto& c : cases) {
        auto path = d.write("pharos.yaml", c.text);
        auto r = conf::loadConfig(path);
        auto errors = test::errorsOf(r);
        INFO(c.text << test::allErrors(r));
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].file == path);
        CHECK(errors[0].key == c.key);
        CHECK_THAT(errors[0].message, Catch::Contains(c.message));
        CHECK(errors[0].line > 0);
    }
}

TEST_CASE("missing files are errors that name the file") {
    ConfigDir d;
    auto missing = conf::loadConfig((d.dir / "nope.yaml").string());
    REQUIRE(test::errorsOf(missing).size() == 1);
    CHECK_THAT(test::errorsOf(missing)[0].str(), Catch::Contains("nope.yaml"));
    auto lb = conf::loadConfig(d.write("pharos.yaml", "lb: other.yaml\n"));
    REQUIRE(test::errorsOf(lb).size() == 1);
    CHECK(test::errorsOf(lb)[0].file == (d.dir / "other.yaml").string());
    CHECK_THAT(test::errorsOf(lb)[0].message, Catch::Contains("cannot open the LB file"));
    auto topo = conf::loadConfig(d.write("pharos.yaml", "topology: t.yaml\n"));
    REQUIRE(test::errorsOf(topo).size() == 1);
    CHECK_THAT(test::errorsOf(topo)[0].message, Catch::Contains("topology"));
}

TEST_CASE("the default topology file is optional") {
    ConfigDir d;
    fs::remove(d.dir / "polaris-topology.yaml");
    auto r = conf::loadConfig(d.write("pharos.yaml", ""));
    INFO(test::allErrors(r));
    REQUIRE(std::holds_alternative<conf::Config>(r));
    CHECK(std::get<conf::Config>(r).settings.topology_file.empty());
    CHECK(std::get<conf::Config>(r).pools[0].members[0].region == -1);
}

TEST_CASE("http.listen serves other hosts only when allow_remote says so") {
    ConfigDir d;
    auto r = conf::loadConfig(d.write("pharos.yaml",
                                      "http:\n  listen: 0.0.0.0:9180\n"
                                      "  allow_remote: true\n"));
    INFO(test::allErrors(r));
    REQUIRE(std::holds_alternative<conf::Config>(r));
    CHECK(std::get<conf::Config>(r).settings.http_listen == "0.0.0.0:9180");
}

TEST_CASE("notify: webhook URLs, in both forms, split and shown without their path") {
    ConfigDir d;
    auto r = conf::loadConfig(d.write("pharos.yaml", R"(node_name: dc1-a
notify:
- http://hooks.example:8080/services/T0/B1/secret?x=1
- {url: "https://[2001:db8::1]/hook", timeout: 500ms, retry_for: 2m, verify_tls: false}
- https://alerts.example
)"));
    INFO(test::allErrors(r));
    REQUIRE(std::holds_alternative<conf::Config>(r));
    const auto& s = std::get<conf::Config>(r).settings;
    CHECK(s.node_name == "dc1-a");
    REQUIRE(s.notify.size() == 3);
    CHECK(s.notify[0].scheme == "http");
    CHECK(s.notify[0].host == "hooks.example");
    CHECK(s.notify[0].port == 8080);
    CHECK(s.notify[0].target == "/services/T0/B1/secret?x=1");
    CHECK(s.notify[0].shown == "http://hooks.example:8080/...");
    CHECK(s.notify[0].verify_tls);
    CHECK(s.notify[0].retry_for.count() == 300);
    CHECK(s.notify[1].host == "2001:db8::1");
    CHECK(s.notify[1].port == 443);
    CHECK(s.notify[1].timeout.count() == Approx(0.5));
    CHECK(s.notify[1].retry_for.count() == 120);
    CHECK_FALSE(s.notify[1].verify_tls);
    CHECK(s.notify[1].shown == "https://[2001:db8::1]:443/...");
    CHECK(s.notify[2].target == "/");
    CHECK(s.notify[2].shown == "https://alerts.example:443/");
}

TEST_CASE("notify: a bad URL is an error at its line") {
    ConfigDir d;
    for (const char* url :
         {"ftp://x/", "http://user:pw@x/", "http:///path", "http://x:0/", "http://x:70000/",
          "http://[::1/", "hooks.example/path", "http://x/a b"}) {
        INFO(url);
        auto r =
            conf::loadConfig(d.write("pharos.yaml", std::string("notify:\n- \"") + url + "\"\n"));
        auto errors = test::errorsOf(r);
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].line == 2);
        CHECK(errors[0].key == "notify[0]");
        CHECK(errors[0].message.find("http:// or https:// URL") != std::string::npos);
    }
    auto r = conf::loadConfig(d.write("pharos.yaml", "notify:\n- {url: http://x/, retry: 3}\n"));
    auto errors = test::errorsOf(r);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].key == "notify[0].retry");
}
