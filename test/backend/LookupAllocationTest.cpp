// The lookup path allocates nothing once its buffers have grown: counted by replacing the
// global operator new for this test binary.
#include <atomic>
#include <cstdlib>
#include <new>

#include "BackendTestSupport.hpp"

using namespace pharos;

// The replacements below pair malloc with free, which GCC cannot see through.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
std::atomic<bool> counting{false};
std::atomic<uint64_t> allocations{0};
}  // namespace

void* operator new(std::size_t size) {
    if (counting.load(std::memory_order_relaxed)) {
        allocations.fetch_add(1, std::memory_order_relaxed);
    }
    if (void* p = std::malloc(size ? size : 1)) {
        return p;
    }
    throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
    return operator new(size);
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}

TEST_CASE("a warm lookup allocates nothing, for every method, family and fallback") {
    test::Backend b;
    b.set("dual1", 0, lb::Health::Down);  // IPv4 fallback in a dual-stack pool
    b.set("dual1", 2, lb::Health::Down);
    auto request = [](const char* qtype, const char* name, const char* real_remote) {
        return std::string(R"({"method":"lookup","parameters":{"qtype":")") + qtype +
               R"(","qname":")" + name +
               R"(","remote":"10.9.9.9","local":"127.0.0.1","real-remote":")" + real_remote +
               R"(","zone-id":1}})";
    };
    std::vector<std::string> requests;
    for (const char* name : {"myweb.contoso.local.", "dual.contoso.local.", "dual1.contoso.local.",
                             "geo.contoso.local.", "nothere.example."}) {
        for (const char* qtype : {"ANY", "A", "AAAA", "SOA"}) {
            for (const char* remote : {"10.9.9.9/32", "10.2.4.0/24", "10.1.0.0/16"}) {
                requests.push_back(request(qtype, name, remote));
            }
        }
    }
    std::string reply;
    auto runAll = [&] {
        for (const auto& r : requests) {
            reply.clear();
            b.protocol->handle(r, reply);
        }
    };
    for (int i = 0; i < 50; ++i) {
        runAll();  // grows every buffer
    }
    counting = true;
    for (int i = 0; i < 200; ++i) {
        runAll();
    }
    counting = false;
    CHECK(allocations.load() == 0);
    CHECK(b.resolver->counters().fast_path == b.resolver->counters().requests);
}
