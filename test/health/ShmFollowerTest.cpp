#include "state/ShmFollower.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>

using pharos::state::SharedMemory;
using pharos::state::ShmFollower;
using Refresh = ShmFollower::Refresh;

namespace {

constexpr uint64_t kMagic = 0x54455354464f4c4cULL;

// The least a followed object has: a magic its reader checks and a retired flag.
struct Object {
    uint64_t magic;
    std::atomic<uint32_t> retired;
    uint32_t number;  // tells the objects apart
};

const std::atomic<uint32_t>* acceptObject(const SharedMemory& mapped) {
    if (mapped.size() < sizeof(Object)) {
        return nullptr;
    }
    const auto* o = static_cast<const Object*>(mapped.data());
    return o->magic == kMagic ? &o->retired : nullptr;
}

std::string uniqueName() {
    static int n = 0;
    return "/pharos-follow-test-" + std::to_string(getpid()) + "-" + std::to_string(++n);
}

// Publishes a new object under `name` the way the writers do: built aside, renamed over it.
SharedMemory publish(const std::string& name, uint32_t number, uint64_t magic = kMagic) {
    std::string staging = name + ".new";
    SharedMemory m = SharedMemory::create(staging, sizeof(Object), "");
    auto* o = static_cast<Object*>(m.data());
    o->magic = magic;
    o->number = number;
    pharos::state::renameSharedMemory(staging, name);
    return m;
}

uint32_t numberOf(const ShmFollower& f) {
    return static_cast<const Object*>(f.data())->number;
}

Object& objectIn(SharedMemory& m) {
    return *static_cast<Object*>(m.data());
}

struct Cleanup {
    std::string name;
    ~Cleanup() { pharos::state::unlinkSharedMemory(name); }
};

}  // namespace

TEST_CASE("shm follower: maps the object, keeps it, and follows a replacement") {
    std::string name = uniqueName();
    Cleanup cleanup{name};
    ShmFollower follower(name, acceptObject, false);
    CHECK(follower.refresh() == Refresh::None);
    CHECK_FALSE(follower.mapped());
    CHECK(follower.data() == nullptr);

    SharedMemory first = publish(name, 1);
    CHECK(follower.refresh() == Refresh::Remapped);
    CHECK(numberOf(follower) == 1);
    CHECK(follower.refresh() == Refresh::Same);

    // A new object under the name: another inode, even with the old one never retired (its
    // writer died before it could say so).
    SharedMemory second = publish(name, 2);
    CHECK(follower.refresh() == Refresh::Remapped);
    CHECK(numberOf(follower) == 2);
    CHECK(follower.refresh() == Refresh::Same);
}

TEST_CASE("shm follower: an object its writer retired is mapped again") {
    std::string name = uniqueName();
    Cleanup cleanup{name};
    SharedMemory first = publish(name, 1);
    ShmFollower follower(name, acceptObject, true);
    REQUIRE(follower.refresh() == Refresh::Remapped);
    // Retired before the name shows its successor: the follower looks again every time.
    objectIn(first).retired.store(1);
    CHECK(follower.refresh() == Refresh::Remapped);
    SharedMemory second = publish(name, 2);
    CHECK(follower.refresh() == Refresh::Remapped);
    CHECK(numberOf(follower) == 2);
    CHECK(follower.refresh() == Refresh::Same);
}

TEST_CASE("shm follower: an object whose name was removed is kept only when asked to") {
    std::string name = uniqueName();
    Cleanup cleanup{name};
    SharedMemory object = publish(name, 7);
    ShmFollower keeps(name, acceptObject, true);
    ShmFollower lets_go(name, acceptObject, false);
    REQUIRE(keeps.refresh() == Refresh::Remapped);
    REQUIRE(lets_go.refresh() == Refresh::Remapped);
    pharos::state::unlinkSharedMemory(name);
    CHECK(keeps.refresh() == Refresh::Same);
    CHECK(numberOf(keeps) == 7);
    CHECK(lets_go.refresh() == Refresh::None);
    CHECK_FALSE(lets_go.mapped());
    // Retired and gone: nothing left to read.
    objectIn(object).retired.store(1);
    CHECK(keeps.refresh() == Refresh::None);
}

TEST_CASE("shm follower: an object the reader refuses is not mapped") {
    std::string name = uniqueName();
    Cleanup cleanup{name};
    SharedMemory good = publish(name, 1);
    ShmFollower follower(name, acceptObject, true);
    REQUIRE(follower.refresh() == Refresh::Remapped);
    SharedMemory bad = publish(name, 2, kMagic + 1);
    CHECK(follower.refresh() == Refresh::None);
    CHECK(follower.data() == nullptr);
}
