#include "sys/RuntimeDirectory.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "sys/UnixSocketFile.hpp"

using namespace pharos;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path dir = fs::temp_directory_path() / ("pharos-sys-" + std::to_string(getpid()));
    TempDir() { fs::create_directories(dir); }
    ~TempDir() { fs::remove_all(dir); }
    std::string path(const std::string& name) const { return (dir / name).string(); }
};

struct stat statOf(const std::string& path) {
    struct stat st {};
    REQUIRE(stat(path.c_str(), &st) == 0);
    return st;
}

// The umask a test sets, put back when it ends.
struct Umask {
    mode_t old;
    explicit Umask(mode_t mask) : old(umask(mask)) {}
    ~Umask() { umask(old); }
};

}  // namespace

TEST_CASE("directoryOf: the path up to the last slash") {
    CHECK(sys::directoryOf("/run/pharos/control.sock") == "/run/pharos");
    CHECK(sys::directoryOf("/control.sock") == "/");
    CHECK(sys::directoryOf("control.sock") == ".");
    CHECK(sys::directoryOf("run/control.sock") == "run");
}

TEST_CASE("a missing directory is made with exactly the mode, whatever the umask") {
    TempDir t;
    Umask tight(077);
    CHECK(sys::ensureDirectory(t.path("run"), 0755, std::nullopt));
    CHECK((statOf(t.path("run")).st_mode & 07777) == 0755);
    Umask loose(0);
    CHECK(sys::ensureDirectory(t.path("state"), 0750, std::nullopt));
    CHECK((statOf(t.path("state")).st_mode & 07777) == 0750);
}

TEST_CASE("a directory that exists is left as it is found") {
    TempDir t;
    fs::create_directory(t.path("run"));
    chmod(t.path("run").c_str(), 0700);
    struct stat before = statOf(t.path("run"));
    CHECK_FALSE(sys::ensureDirectory(t.path("run"), 0755, sys::DirectoryOwner{4242, 4243}));
    struct stat after = statOf(t.path("run"));
    CHECK((after.st_mode & 07777) == 0700);
    CHECK(after.st_uid == before.st_uid);
    CHECK(after.st_gid == before.st_gid);
}

TEST_CASE("a made directory is given to the owner (as root)") {
    if (geteuid() != 0) {
        SUCCEED("not root: cannot give a directory away");
        return;
    }
    TempDir t;
    CHECK(sys::ensureDirectory(t.path("run"), 0755, sys::DirectoryOwner{4242, 4243}));
    struct stat st = statOf(t.path("run"));
    CHECK(st.st_uid == 4242);
    CHECK(st.st_gid == 4243);
    CHECK((st.st_mode & 07777) == 0755);
}

TEST_CASE("what cannot be made is an error naming the directory and why") {
    TempDir t;
    std::ofstream(t.path("file")) << "in the way";
    using Catch::Contains;
    SECTION("a file where the directory goes") {
        CHECK_THROWS_WITH(sys::ensureDirectory(t.path("file"), 0755, std::nullopt),
                          Contains(t.path("file")) && Contains("not a directory"));
    }
    SECTION("a file where its parent goes") {
        CHECK_THROWS_WITH(sys::ensureDirectory(t.path("file/run"), 0755, std::nullopt),
                          Contains(t.path("file/run")) && Contains("Not a directory"));
    }
    SECTION("a parent that does not exist: only the last level is made") {
        CHECK_THROWS_WITH(sys::ensureDirectory(t.path("no/run"), 0755, std::nullopt),
                          Contains(t.path("no/run")) && Contains("No such file or directory"));
        CHECK_FALSE(fs::exists(t.path("no")));
    }
    SECTION("a socket's directory names the socket too") {
        CHECK_THROWS_WITH(
            sys::ensureSocketDirectory(t.path("file/run/control.sock")),
            Contains(t.path("file/run")) && Contains(t.path("file/run/control.sock")));
    }
}

TEST_CASE("binding a socket makes its missing directory, and two sockets share it") {
    TempDir t;
    Umask tight(077);
    boost::asio::io_context io;
    boost::asio::local::stream_protocol::acceptor control(io), backend(io);
    sys::bindUnixSocket(control, t.path("run/control.sock"), "root");
    CHECK((statOf(t.path("run")).st_mode & 07777) == 0755);
    chmod(t.path("run").c_str(), 0750);  // what an operator chose: the second one keeps it
    sys::bindUnixSocket(backend, t.path("run/backend.sock"), "root");
    CHECK((statOf(t.path("run")).st_mode & 07777) == 0750);
    CHECK(S_ISSOCK(statOf(t.path("run/control.sock")).st_mode));
    CHECK(S_ISSOCK(statOf(t.path("run/backend.sock")).st_mode));
}
