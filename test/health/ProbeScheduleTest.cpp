#include <catch2/catch.hpp>

#include <boost/asio/post.hpp>
#include <string>
#include <thread>

#include "health/ProbeSchedule.hpp"

using namespace pharos::health;
using namespace std::chrono_literals;

TEST_CASE("schedule: members come due in time order, not in the order they were added") {
    boost::asio::io_context io;
    std::vector<uint32_t> order;
    ProbeSchedule schedule(io, [&](uint32_t m) { order.push_back(m); });
    schedule.after(0, 40ms);
    schedule.after(1, 10ms);
    schedule.after(2, 30ms);
    schedule.after(3, 20ms);
    io.run_for(500ms);
    CHECK(order == std::vector<uint32_t>{1, 3, 2, 0});
}

TEST_CASE("schedule: an entry earlier than the armed timer is not held back by it") {
    boost::asio::io_context io;
    std::vector<std::pair<uint32_t, ProbeSchedule::Clock::time_point>> seen;
    ProbeSchedule schedule(io,
                           [&](uint32_t m) { seen.emplace_back(m, ProbeSchedule::Clock::now()); });
    auto start = ProbeSchedule::Clock::now();
    schedule.after(0, 300ms);
    schedule.after(1, 5ms);
    io.run_for(1s);
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].first == 1);
    CHECK(seen[0].second - start < 200ms);
    CHECK(seen[1].second - start >= 300ms);
}

TEST_CASE("schedule: members rescheduled from `due` keep coming; stop() ends them all") {
    boost::asio::io_context io;
    std::vector<int> count(3, 0);
    ProbeSchedule* self = nullptr;
    ProbeSchedule schedule(io, [&](uint32_t m) {
        if (++count[m] == 5 && m == 2) {
            self->stop();
            return;
        }
        self->after(m, std::chrono::milliseconds(2 + m));
    });
    self = &schedule;
    for (uint32_t m = 0; m < 3; ++m) {
        schedule.after(m, 1ms);
    }
    io.run_for(2s);
    CHECK(count[2] == 5);
    // Member 0 (every 2 ms) came due more often than member 2 (every 4 ms), and nothing came
    // due after stop(): io.run_for returned as soon as the work ran out.
    CHECK(count[0] > count[2]);
    CHECK(io.stopped());
}

TEST_CASE("schedule: members due within a millisecond of each other run on one wake-up") {
    boost::asio::io_context io;
    std::vector<std::string> events;
    ProbeSchedule schedule(io, [&](uint32_t m) {
        events.push_back("due " + std::to_string(m));
        // Runs after the handler that is running now, whatever else it calls.
        boost::asio::post(io, [&events, m] { events.push_back("after " + std::to_string(m)); });
    });
    schedule.after(0, 20ms);
    schedule.after(1, 20ms + 500us);
    schedule.after(2, 60ms);
    io.run_for(500ms);
    CHECK(events ==
          std::vector<std::string>{"due 0", "due 1", "after 0", "after 1", "due 2", "after 2"});
}

TEST_CASE("schedule: lateness says how long after its time a member was handed out") {
    boost::asio::io_context io;
    std::vector<std::pair<uint32_t, ProbeSchedule::Clock::duration>> seen;
    ProbeSchedule* self = nullptr;
    ProbeSchedule schedule(io, [&](uint32_t m) { seen.emplace_back(m, self->lateness()); });
    self = &schedule;
    schedule.after(0, 10ms);
    io.run_for(200ms);
    // The loop is busy for 150 ms while member 1 comes due 10 ms in: it is handed out late.
    schedule.after(1, 10ms);
    boost::asio::post(io, [] { std::this_thread::sleep_for(150ms); });
    io.restart();
    io.run_for(400ms);
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].first == 0);
    CHECK(seen[0].second < 50ms);  // an idle loop: on time, give or take the timer's latency
    CHECK(seen[1].first == 1);
    CHECK(seen[1].second >= 130ms);
    CHECK(seen[1].second < 400ms);
}
