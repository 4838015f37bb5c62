#pragma once
// Where webhook host names are resolved: an io_context of their own, on a thread of their own.
// Boost.Asio resolves the names of one io_context one at a time on one hidden thread, so a
// webhook whose DNS server hangs would otherwise hold up the prober's own resolutions (cname
// members), and a slow webhook must delay nothing but its queue. Lives until the process ends.
#include <boost/asio.hpp>
#include <thread>

namespace pharos::net {

class ResolverThread {
  public:
    static boost::asio::io_context& context();

  private:
    ResolverThread();
    ~ResolverThread();
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::thread thread_;
};

}  // namespace pharos::net
