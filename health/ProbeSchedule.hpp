#pragma once
// When each member's next check is due, for every member of a run, on one asio timer. A
// timer per member costs about 200 bytes with its pending handler; 100,000 members need only
// their 16-byte entries in a heap here, and the timer is set for the earliest of them.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace pharos::health {

class ProbeSchedule {
  public:
    using Clock = std::chrono::steady_clock;
    using Due = std::function<void(uint32_t member)>;

    // `due` runs on the io thread for each member whose time has come, in time order.
    ProbeSchedule(boost::asio::io_context& io, Due due);
    ~ProbeSchedule();
    ProbeSchedule(const ProbeSchedule&) = delete;
    ProbeSchedule& operator=(const ProbeSchedule&) = delete;

    // `member` is due `delay` from now. A member is due once: call again from `due` for the
    // next time.
    void after(uint32_t member, Clock::duration delay);
    void stop();  // nothing is due any more
    // Inside `due`: how long after its time the member now handed out came due (zero when on
    // time or up to the batch's millisecond early). The event loop's lag: a loop busy with
    // other handlers, or with more due members than it can start, hands them out late.
    Clock::duration lateness() const { return lateness_; }
    // Inside `due`: when the member now handed out came due.
    Clock::time_point dueAt() const { return due_at_; }

  private:
    static constexpr Clock::duration kBatch = std::chrono::milliseconds(1);
    struct Entry {
        Clock::time_point when;
        uint32_t member;
        bool operator>(const Entry& o) const { return when > o.when; }
    };
    void arm();
    void fire();

    boost::asio::steady_timer timer_;
    Due due_;
    std::vector<Entry> heap_;                             // a min-heap on `when`
    Clock::time_point armed_ = Clock::time_point::max();  // the timer's time, if set
    bool firing_ = false;
    Clock::duration lateness_{};
    Clock::time_point due_at_{};
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace pharos::health
