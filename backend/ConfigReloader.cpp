#include "backend/ConfigReloader.hpp"

#include <malloc.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <exception>

#include <boost/asio/post.hpp>

#include "base/Log.hpp"
#include "conf/CommandLine.hpp"
#include "sys/Systemd.hpp"

namespace pharos::backend {

ConfigReloader::ConfigReloader(boost::asio::io_context& io, GslbResolver& resolver,
                               std::string path)
    : io_(io), resolver_(resolver), path_(std::move(path)) {
    boost::asio::post(thread_, [] {
        // Behind the lookup thread for the cores: a reload may take a second longer under
        // load, a lookup should not wait for a time slice.
        setpriority(PRIO_PROCESS, pid_t(syscall(SYS_gettid)), 10);
        // The thread's first allocation sets up its malloc arena: done in the first reload,
        // done now, so that the first reload does not pay for it while lookups are served.
        void* volatile first = malloc(64);
        free(first);
    });
}

ConfigReloader::~ConfigReloader() {
    thread_.stop();
    thread_.join();
}

void ConfigReloader::request() {
    if (running_) {
        again_ = true;
        return;
    }
    start();
}

void ConfigReloader::start() {
    running_ = true;
    sys::notifySystemd("RELOADING=1");
    boost::asio::post(thread_, [this] { load(); });
}

void ConfigReloader::load() {
    GslbResolver::PreparedPtr prepared;
    // An exception must not escape: the thread pool would terminate the process, and a
    // failed reload is a rejected one (the running configuration stays).
    try {
        if (auto config = conf::loadAndReport(path_)) {
            // Safe here: the current configuration changes only in finish(), not yet run.
            if (config->settings.backend_socket != resolver_.config().settings.backend_socket) {
                PHAROS_LOG(Warning, "backend.socket changed; the new path takes effect on restart");
            }
            prepared = resolver_.prepare(std::move(*config));
        }
    } catch (const std::exception& e) {
        PHAROS_LOG(Error, "reload failed: " << e.what());
    }
    // Handlers are copied, the prepared configuration is not: it travels in a shared holder.
    auto holder = std::make_shared<GslbResolver::PreparedPtr>(std::move(prepared));
    boost::asio::post(io_, [this, holder] { finish(std::move(*holder)); });
}

void ConfigReloader::finish(GslbResolver::PreparedPtr prepared) {
    if (!prepared) {
        PHAROS_LOG(Error, "reload rejected; still serving the previous configuration");
        resolver_.noteRejectedReload();
    } else {
        auto old =
            std::make_shared<GslbResolver::PreparedPtr>(resolver_.install(std::move(prepared)));
        conf::applyLogLevel(resolver_.config());
        PHAROS_LOG(Info, "configuration reloaded from " << path_);
        // Freed on the reload thread, and the freed heap given back to the system.
        boost::asio::post(thread_, [old] {
            old->reset();
            malloc_trim(0);
        });
    }
    sys::notifySystemd("READY=1");
    running_ = false;
    if (again_) {
        again_ = false;
        start();
    }
}

}  // namespace pharos::backend
