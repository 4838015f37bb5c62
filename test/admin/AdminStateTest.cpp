#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "admin/AdminStateFile.hpp"

using namespace pharos;
using state::AdminOverride;
namespace fs = std::filesystem;

namespace {
struct TempDir {
    fs::path dir = fs::temp_directory_path() / ("pharos-admin-" + std::to_string(getpid()));
    TempDir() { fs::create_directories(dir); }
    ~TempDir() { fs::remove_all(dir); }
    std::string file(const std::string& name, const std::string& text) {
        std::ofstream(dir / name) << text;
        return (dir / name).string();
    }
};

admin::Override drain(const std::string& member, int64_t until = 0) {
    return {"web", member, "10.0.0." + member.substr(3), AdminOverride::Drain, "patching", "alice",
            1000,  until};
}
}  // namespace

TEST_CASE("overrides: set replaces, clear removes, expiry ends them") {
    admin::AdminOverrides o;
    o.set(drain("www1"));
    o.set(drain("www2", 5000));
    auto forced = drain("www1");
    forced.action = AdminOverride::ForcedDown;
    o.set(forced);
    REQUIRE(o.all().size() == 2);
    CHECK(o.find("web", "10.0.0.1")->action == AdminOverride::ForcedDown);
    CHECK(o.expire(4999).empty());
    auto ended = o.expire(5000);
    REQUIRE(ended.size() == 1);
    CHECK(ended[0].member == "www2");
    CHECK(o.clear("web", "10.0.0.1"));
    CHECK_FALSE(o.clear("web", "10.0.0.1"));
    CHECK(o.all().empty());
}

TEST_CASE("admin-state file: what is saved is loaded back; a missing file is no overrides") {
    TempDir d;
    std::string path = (d.dir / "state.json").string();
    auto missing = admin::loadAdminState(path);
    REQUIRE(std::holds_alternative<admin::AdminState>(missing));
    CHECK(std::get<admin::AdminState>(missing) == admin::AdminState{});
    admin::AdminState o;
    o.overrides.set(drain("www1", 99999));
    auto up = drain("www2");
    up.action = AdminOverride::ForcedUp;
    up.reason = "quote \" and newline \n";
    o.overrides.set(up);
    o.policy.setHolder({"web", "www2", "10.0.0.2", true, 1234, "alice", "db moved"});
    o.policy.addPending({"db", "db1", "10.0.1.1", 5678, true, "bob"});
    // What a policy sets, and a drain without --reason, have empty texts.
    o.policy.addPending({"db", "db2", "10.0.1.2", 5678, false, ""});
    o.policy.setHolder({"app", "app2", "10.0.2.2", false, 99, "", ""});
    auto bare = drain("www3");
    bare.reason.clear();
    o.overrides.set(bare);
    admin::saveAdminState(path, o, "no-such-group");
    struct stat st {};
    REQUIRE(stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0640);
    CHECK_FALSE(fs::exists(path + ".tmp"));
    auto loaded = admin::loadAdminState(path);
    REQUIRE(std::holds_alternative<admin::AdminState>(loaded));
    CHECK(std::get<admin::AdminState>(loaded) == o);
}

TEST_CASE("admin-state file: a version 1 file (overrides alone) still loads") {
    TempDir d;
    // As the writer before version 2 left a drain without --reason: empty texts.
    auto v1 = d.file("v1.json",
                     "{\"version\": 1, \"overrides\": [{\"pool\": \"web\", \"address\": "
                     "\"10.0.0.1\", \"action\": \"drain\", \"since_ms\": 1, \"reason\": \"\", "
                     "\"by\": \"\", \"member\": \"www1\"}]}\n");
    auto loaded = admin::loadAdminState(v1);
    REQUIRE(std::holds_alternative<admin::AdminState>(loaded));
    CHECK(std::get<admin::AdminState>(loaded).overrides.all().size() == 1);
    CHECK(std::get<admin::AdminState>(loaded).policy == admin::PolicyRecords{});
}

TEST_CASE("overrides: one spelling in files, commands and machine output; words for people") {
    TempDir d;
    // As every earlier version wrote them: the command words.
    auto old = d.file("old.json",
                      "{\"version\": 2, \"overrides\": ["
                      "{\"pool\": \"web\", \"address\": \"10.0.0.1\", \"action\": \"force-up\", "
                      "\"since_ms\": 1, \"member\": \"www1\"},"
                      "{\"pool\": \"web\", \"address\": \"10.0.0.2\", \"action\": \"force-down\", "
                      "\"since_ms\": 1, \"member\": \"www2\"},"
                      "{\"pool\": \"web\", \"address\": \"10.0.0.3\", \"action\": \"drain\", "
                      "\"since_ms\": 1, \"member\": \"www3\"}]}\n");
    auto loaded = admin::loadAdminState(old);
    REQUIRE(std::holds_alternative<admin::AdminState>(loaded));
    const auto& overrides = std::get<admin::AdminState>(loaded).overrides;
    CHECK(overrides.find("web", "10.0.0.1")->action == AdminOverride::ForcedUp);
    CHECK(overrides.find("web", "10.0.0.2")->action == AdminOverride::ForcedDown);
    CHECK(overrides.find("web", "10.0.0.3")->action == AdminOverride::Drain);
    for (auto a : {AdminOverride::Drain, AdminOverride::ForcedUp, AdminOverride::ForcedDown}) {
        CHECK(admin::actionFromName(state::toString(a)) == a);
    }
    CHECK(std::string(state::toString(AdminOverride::ForcedUp)) == "force-up");
    CHECK(std::string(state::toString(AdminOverride::ForcedDown)) == "force-down");
    CHECK(std::string(state::toString(AdminOverride::None)) == "none");
    CHECK(admin::actionFromName("forced-up") == AdminOverride::None);  // never a command word
    CHECK(std::string(state::adminText(AdminOverride::ForcedUp)) == "forced up");
    CHECK(std::string(state::adminText(AdminOverride::Drain)) == "drained");
    // Saved again, the file keeps the same words.
    admin::AdminState state;
    state.overrides = overrides;
    admin::saveAdminState((d.dir / "saved.json").string(), state, "");
    std::ifstream in(d.dir / "saved.json");
    std::string saved((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK_THAT(saved, Catch::Contains("\"action\": \"force-up\"") ||
                          Catch::Contains("\"action\":\"force-up\""));
    CHECK_THAT(saved, !Catch::Contains("forced"));
}

TEST_CASE("admin-state file: errors name the file, line and key") {
    TempDir d;
    auto bad = d.file("bad.json",
                      "{\"version\": 1,\n \"overrides\": [\n"
                      "  {\"pool\": \"web\", \"address\": \"10.0.0.1\", \"action\": \"dran\",\n"
                      "   \"since_ms\": 1}]}\n");
    auto r = admin::loadAdminState(bad);
    REQUIRE(std::holds_alternative<std::vector<conf::ConfigError>>(r));
    const auto& e = std::get<std::vector<conf::ConfigError>>(r).at(0);
    CHECK(e.file == bad);
    CHECK(e.line == 3);
    CHECK(e.key == "overrides[0].action");
    auto syntax =
        admin::loadAdminState(d.file("syntax.json", "{\"version\": 1,\n  \"overrides\": [\n"));
    REQUIRE(std::holds_alternative<std::vector<conf::ConfigError>>(syntax));
    CHECK_THAT(std::get<std::vector<conf::ConfigError>>(syntax).at(0).str(),
               Catch::Contains("YAML syntax error"));
}

TEST_CASE("admin-state file: a failed save throws and leaves the old file whole") {
    TempDir d;
    std::string path = (d.dir / "state.json").string();
    admin::AdminState one;
    one.overrides.set(drain("www1"));
    admin::saveAdminState(path, one, "");
    admin::AdminState two = one;
    two.overrides.set(drain("www2"));
    // A directory where the temporary file must go makes every write fail.
    fs::create_directory(path + ".tmp");
    CHECK_THROWS_WITH(admin::saveAdminState(path, two, ""), Catch::Contains(path + ".tmp"));
    auto loaded = admin::loadAdminState(path);
    REQUIRE(std::holds_alternative<admin::AdminState>(loaded));
    CHECK(std::get<admin::AdminState>(loaded) == one);
}
