#pragma once
// A one-member etcd on loopback for the EtcdClient tests: free ports picked at start, a data
// directory of its own, killed with the test (also if the test dies). Needs etcd
// (etcd-server) on the PATH.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cluster/EtcdClient.hpp"

namespace pharos::test {

class LocalEtcd {
  public:
    LocalEtcd() {
        char pattern[] = "/tmp/pharos-etcd-client-XXXXXX";
        if (!mkdtemp(pattern)) {
            throw std::runtime_error("mkdtemp failed");
        }
        dir_ = pattern;
        client_port_ = freePort();
        uint16_t peer_port = freePort();
        std::string client = "http://127.0.0.1:" + std::to_string(client_port_);
        std::string peer = "http://127.0.0.1:" + std::to_string(peer_port);
        std::vector<std::string> argv = {"etcd",
                                         "--name",
                                         "t",
                                         "--data-dir",
                                         dir_ + "/data",
                                         "--listen-client-urls",
                                         client,
                                         "--advertise-client-urls",
                                         client,
                                         "--listen-peer-urls",
                                         peer,
                                         "--initial-advertise-peer-urls",
                                         peer,
                                         "--initial-cluster",
                                         "t=" + peer,
                                         "--initial-cluster-state",
                                         "new",
                                         "--logger",
                                         "zap",
                                         "--log-outputs",
                                         dir_ + "/etcd.log"};
        pid_ = fork();
        if (pid_ == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            std::vector<char*> args;
            for (auto& a : argv) {
                args.push_back(a.data());
            }
            args.push_back(nullptr);
            execvp("etcd", args.data());
            _exit(127);
        }
        if (!waitUntilServing()) {
            stop();
            throw std::runtime_error("etcd did not start on port " + std::to_string(client_port_));
        }
    }
    ~LocalEtcd() { stop(); }

    conf::EtcdEndpoint endpoint() const {
        return {"http://127.0.0.1:" + std::to_string(client_port_), "http", "127.0.0.1",
                client_port_};
    }
    conf::ClusterSettings settings() const {
        conf::ClusterSettings s;
        s.etcd = {endpoint()};
        return s;
    }

  private:
    static uint16_t freePort() {
        boost::asio::io_context io;
        boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
        return a.local_endpoint().port();
    }

    bool waitUntilServing() {
        boost::asio::io_context io;
        cluster::EtcdClient client(io, settings());
        auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (std::chrono::steady_clock::now() < end) {
            if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
                pid_ = -1;
                return false;
            }
            bool served = false;
            client.range(
                endpoint(), "/", cluster::KeySpan::One, true,
                [&](const std::string& error, const nlohmann::json&) { served = error.empty(); });
            io.run();
            io.restart();
            if (served) {
                return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return false;
    }

    void stop() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            waitpid(pid_, nullptr, 0);
            pid_ = -1;
        }
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    std::string dir_;
    uint16_t client_port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace pharos::test
