#pragma once
// Reloads the configuration on a thread of its own. Reading and building 10,000 pools takes
// most of a second, and lookups must not wait for it: the lookup thread only swaps pointers
// (GslbResolver::install) and the replaced configuration is freed back on the reload thread.
// One reload runs at a time; requests made meanwhile run one more reload after it, so the
// last request always sees the file as it was when it was made.
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <string>

#include "backend/GslbResolver.hpp"

namespace pharos::backend {

class ConfigReloader {
  public:
    ConfigReloader(boost::asio::io_context& io, GslbResolver& resolver, std::string path);
    ~ConfigReloader();  // waits for a reload in progress; one not yet installed is dropped
    ConfigReloader(const ConfigReloader&) = delete;
    ConfigReloader& operator=(const ConfigReloader&) = delete;

    void request();  // on the lookup thread (SIGHUP)

  private:
    void start();                                     // lookup thread
    void load();                                      // reload thread
    void finish(GslbResolver::PreparedPtr prepared);  // lookup thread, null: rejected

    boost::asio::io_context& io_;
    GslbResolver& resolver_;
    std::string path_;
    bool running_ = false;  // lookup thread only
    bool again_ = false;
    boost::asio::thread_pool thread_{1};
};

}  // namespace pharos::backend
