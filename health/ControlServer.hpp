#pragma once
// pharos-health's control socket: the one path by which pharosctl changes state (admin
// overrides, reload). One JSON request per connection, one line each way. The socket is 0660
// and given to the control group, and each caller's kernel credentials are checked again, so
// only root, pharos's own user and that group's members get past the first line.
#include <boost/asio.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "sys/PeerCredentials.hpp"

namespace pharos::health {

class ControlServer {
  public:
    using Handler =
        std::function<nlohmann::json(const nlohmann::json& request, const sys::PeerCredentials&)>;

    ControlServer(boost::asio::io_context& io, std::string path, std::string group,
                  Handler handler);
    ~ControlServer();
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    // A request line longer than this is refused.
    static constexpr size_t kMaxRequestBytes = 64 * 1024;

  private:
    struct Session;
    void accept();

    boost::asio::local::stream_protocol::acceptor acceptor_;
    std::string path_;
    std::string group_;
    Handler handler_;
};

}  // namespace pharos::health
