#pragma once
// Where HttpClient resolves host names (webhooks, etcd endpoints): an io_context of its own, on
// a thread of its own. Boost.Asio resolves the names of one io_context one at a time on one
// hidden thread, and the prober's io_context resolves its cname members there; a webhook or
// etcd name whose DNS server hangs must not hold those up, nor delay anything but its own
// exchange. The answers go back to the caller's io_context. Lives until the process ends.
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
