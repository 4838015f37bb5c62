#include "health/ProbeSchedule.hpp"

#include <algorithm>

namespace pharos::health {

ProbeSchedule::ProbeSchedule(boost::asio::io_context& io, Due due)
    : timer_(io), due_(std::move(due)) {}

ProbeSchedule::~ProbeSchedule() {
    stop();
}

void ProbeSchedule::after(uint32_t member, Clock::duration delay) {
    heap_.push_back({Clock::now() + delay, member});
    std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
    if (!firing_ && heap_.front().when < armed_) {
        arm();
    }
}

void ProbeSchedule::stop() {
    *alive_ = false;
    heap_.clear();
    timer_.cancel();
}

void ProbeSchedule::arm() {
    armed_ = heap_.front().when;
    timer_.expires_at(armed_);
    timer_.async_wait([this, alive = alive_](const boost::system::error_code& e) {
        // Cancelled only to be set earlier (or stopped): the newer wait takes over.
        if (!e && *alive) {
            fire();
        }
    });
}

void ProbeSchedule::fire() {
    auto alive = alive_;
    armed_ = Clock::time_point::max();
    firing_ = true;  // after() only queues meanwhile; the timer is set once, below
    // Members due within kBatch run now, with the one that woke the loop: at thousands of
    // checks a second that is one wake-up for several of them instead of one each, and a
    // wake-up costs more than a check's own work in a VM. 1 ms early is well inside the
    // interval's jitter.
    auto now = Clock::now() + kBatch;
    while (!heap_.empty() && heap_.front().when <= now) {
        uint32_t member = heap_.front().member;
        due_at_ = heap_.front().when;
        lateness_ = std::max(Clock::duration::zero(), Clock::now() - due_at_);
        std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
        heap_.pop_back();
        due_(member);
        if (!*alive) {
            return;  // stopped from `due`
        }
    }
    firing_ = false;
    if (!heap_.empty()) {
        arm();
    }
}

}  // namespace pharos::health
