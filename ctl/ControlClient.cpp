#include "ctl/ControlClient.hpp"

#include <boost/asio.hpp>
#include <chrono>
#include <cstdio>

namespace pharos::ctl {

// The default timeout is longer than any command the prober runs takes (a reload reads the
// configuration).
ProberReply askProber(const std::string& path, const nlohmann::json& request,
                      std::chrono::milliseconds timeout, bool quiet) {
    namespace asio = boost::asio;
    asio::io_context io;
    asio::local::stream_protocol::socket socket(io);
    boost::system::error_code error;
    socket.connect(asio::local::stream_protocol::endpoint(path), error);
    if (error) {
        if (!quiet) {
            std::fprintf(stderr,
                         "pharosctl: cannot reach pharos-health at %s: %s (is it running, and may "
                         "you use its control socket?)\n",
                         path.c_str(), error.message().c_str());
        }
        // A socket this user may not use is a refusal, not a prober that is down.
        bool denied = error == boost::system::errc::permission_denied;
        return {{}, denied ? kExitProblem : kExitUnreachable};
    }
    std::string line = request.dump() + "\n";
    std::string reply;
    asio::async_write(socket, asio::buffer(line), [&](boost::system::error_code e, size_t) {
        error = e;
        if (!e) {
            asio::async_read_until(socket, asio::dynamic_buffer(reply), '\n',
                                   [&](boost::system::error_code e, size_t) { error = e; });
        }
    });
    // A prober that accepts but never answers (stopped with SIGSTOP, or stuck) must not hang
    // the shell.
    io.run_for(timeout);
    if (!io.stopped()) {
        error = asio::error::timed_out;
        reply.clear();
    }
    auto json = nlohmann::json::parse(reply, nullptr, false);
    if (reply.empty() || json.is_discarded()) {
        if (!quiet) {
            std::fprintf(stderr, "pharosctl: no answer from pharos-health at %s%s%s\n",
                         path.c_str(), error ? ": " : "", error ? error.message().c_str() : "");
        }
        return {{}, kExitUnreachable};
    }
    return {std::move(json), kExitOk};
}

ProberReply commandProber(const std::string& path, const nlohmann::json& request) {
    auto reply = askProber(path, request);
    if (reply && !reply->value("ok", false)) {
        std::fprintf(stderr, "pharosctl: %s\n", reply->value("error", "refused").c_str());
        reply.failure = kExitProblem;
    }
    return reply;
}

}  // namespace pharos::ctl
