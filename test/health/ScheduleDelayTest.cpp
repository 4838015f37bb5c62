// The prober's schedule delay for /metrics (pharos_prober_schedule_delay_seconds): every check
// the schedule hands out is counted with how late it came, on time while the loop is idle, late
// when a handler holds the loop.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>

#include "ProbeRunFixtures.hpp"
#include "TestServers.hpp"

using namespace pharos;
using namespace pharos::test;

namespace {

void runFor(boost::asio::io_context& io, std::chrono::milliseconds span) {
    runUntil(
        io, [] { return false; }, std::chrono::duration<double>(span).count());
}

}  // namespace

TEST_CASE("prober: counts how late each check was handed out, for /metrics") {
    test::TestServer server;
    Table table;
    boost::asio::io_context io;
    health::ProbeCounters counters;
    health::ProbeRun run(io, httpConfig(table.name, {server.port()}), &counters);
    run.start();
    runFor(io, std::chrono::milliseconds(1000));
    // Every check the schedule handed out is counted, and an idle loop hands them out on time.
    const auto& delay = counters.schedule_delay;
    CHECK(delay.count >= 4);
    CHECK(delay.count <= counters.checks + 1);  // the last one may still be in flight
    auto within = [&](double bound) {
        uint64_t n = 0;
        for (size_t b = 0; b < counters.kScheduleDelayBounds.size(); ++b) {
            n += counters.kScheduleDelayBounds[b] <= bound ? delay.buckets[b] : 0;
        }
        return n;
    };
    CHECK(within(0.1) == delay.count);
    // A handler that holds the loop for 0.7 s: the check due meanwhile starts over 0.5 s late.
    boost::asio::post(io, [] { std::this_thread::sleep_for(std::chrono::milliseconds(700)); });
    runFor(io, std::chrono::milliseconds(1000));
    CHECK(delay.count - within(0.1) >= 1);
    CHECK(delay.buckets[4] + delay.buckets[5] >= 1);  // (0.1, 0.5] or (0.5, 1]: 0.5 to 0.7 s
    CHECK(delay.sum >= 0.4);
    run.stop();
}
