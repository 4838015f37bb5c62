#include "net/ResolverThread.hpp"

namespace pharos::net {

ResolverThread::ResolverThread()
    : work_(boost::asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}

ResolverThread::~ResolverThread() {
    work_.reset();
    io_.stop();
    thread_.join();
}

boost::asio::io_context& ResolverThread::context() {
    static ResolverThread instance;
    return instance.io_;
}

}  // namespace pharos::net
