#pragma once
// A loopback member's side of one check, for the programs that serve thousands of members at
// once (bench_prober, the overload drills' fault_fleet_members): [the TLS handshake,] the
// request head, the answer, close. `served` counts the answers written.
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

namespace pharos::test {

template <typename Stream>
class MemberExchange : public std::enable_shared_from_this<MemberExchange<Stream>> {
  public:
    // `response` must outlive the exchange (a constant); `stream_args` make the stream.
    template <typename... A>
    MemberExchange(std::string_view response, std::atomic<uint64_t>& served, A&&... stream_args)
        : stream_(std::forward<A>(stream_args)...), response_(response), served_(served) {}

    void start() {
        if constexpr (std::is_same_v<Stream, boost::asio::ip::tcp::socket>) {
            read();
        } else {
            stream_.async_handshake(boost::asio::ssl::stream_base::server,
                                    [self = this->shared_from_this()](boost::system::error_code e) {
                                        if (!e) {
                                            self->read();
                                        }
                                    });
        }
    }

  private:
    void read() {
        boost::asio::async_read_until(
            stream_, boost::asio::dynamic_buffer(in_), "\r\n\r\n",
            [self = this->shared_from_this()](boost::system::error_code e, size_t) {
                if (!e) {
                    self->answer();
                }
            });
    }
    void answer() {
        boost::asio::async_write(
            stream_, boost::asio::buffer(response_),
            [self = this->shared_from_this()](boost::system::error_code e, size_t) {
                if (!e) {
                    ++self->served_;
                }
            });
    }

    Stream stream_;
    std::string in_;
    std::string_view response_;
    std::atomic<uint64_t>& served_;
};

// Serves one accepted connection as a member of `kind`: "tcp" accepts and closes, "http"
// answers one request with `response`, anything else ("https"...) the same over TLS from `tls`.
inline void serveMember(std::string_view kind, boost::asio::ip::tcp::socket socket,
                        boost::asio::ssl::context& tls, std::string_view response,
                        std::atomic<uint64_t>& served) {
    using boost::asio::ip::tcp;
    if (kind == "tcp") {
        ++served;
        boost::system::error_code ignored;
        socket.close(ignored);
    } else if (kind == "http") {
        std::make_shared<MemberExchange<tcp::socket>>(response, served, std::move(socket))->start();
    } else {
        std::make_shared<MemberExchange<boost::asio::ssl::stream<tcp::socket>>>(
            response, served, std::move(socket), tls)
            ->start();
    }
}

}  // namespace pharos::test
