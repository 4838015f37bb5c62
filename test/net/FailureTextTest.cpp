// The words a failed exchange is told in: the same for every client but the three it chooses.
#include <boost/asio/error.hpp>
#include <catch2/catch.hpp>

#include "net/HttpClient.hpp"

using namespace pharos;
using net::HttpFailure;

namespace {

std::string told(HttpFailure failure, boost::system::error_code error = {}) {
    net::HttpResult r;
    r.failure = failure;
    r.error = error;
    return net::failureText(r, "etcd.example", {"late", "stopped", "broken: "});
}

}  // namespace

TEST_CASE("failure text: each way an exchange fails, in the caller's words where it has them") {
    auto refused = make_error_code(boost::asio::error::connection_refused);
    auto reset = make_error_code(boost::asio::error::connection_reset);
    CHECK(told(HttpFailure::None) == "");
    CHECK(told(HttpFailure::Timeout) == "late");
    CHECK(told(HttpFailure::Cancelled) == "stopped");
    CHECK(told(HttpFailure::Resolve, refused) ==
          "cannot resolve etcd.example: " + refused.message());
    CHECK(told(HttpFailure::Connect, refused) == "cannot connect: " + refused.message());
    CHECK(told(HttpFailure::Handshake, reset) == "TLS: " + reset.message());
    CHECK(told(HttpFailure::Send, reset) == "cannot send: " + reset.message());
    CHECK(told(HttpFailure::Receive, reset) == "broken: " + reset.message());
    CHECK(told(HttpFailure::TooLarge, reset) == "broken: " + reset.message());
}
