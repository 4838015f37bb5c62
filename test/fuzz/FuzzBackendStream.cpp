// The remote-backend request path, bytes in: a pdns stream cut at arbitrary points, many
// requests per read, garbage anywhere. Each complete line gets exactly one reply, a JSON object
// with "result"; a line over the bound closes the connection.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "backend/GslbResolver.hpp"
#include "backend/RemoteBackendProtocol.hpp"
#include "backend/RequestFramer.hpp"
#include "conf/ConfigLoader.hpp"

using namespace pharos;

namespace {

// Every member up except one down, so every path (answers, fallback, refuse) is reachable.
class FixedHealth : public lb::VerdictSource {
  public:
    bool fill(const conf::Config&, const conf::Pool& pool, std::span<lb::Health> out) override {
        for (size_t i = 0; i < out.size(); ++i) {
            out[i] = (pool.first_slot + i) % 3 == 1 ? lb::Health::Down : lb::Health::Up;
        }
        return true;
    }
};

backend::GslbResolver& resolver() {
    static backend::GslbResolver* r = [] {
        auto loaded = conf::loadLbText(R"(
pools:
  web: {monitor: forced, lb_method: fogroup, members: [{ip: 10.1.0.5, name: a, weight: 1},
        {ip: 10.2.0.5, name: b, weight: 1}]}
  dual: {monitor: forced, lb_method: wrr, fallback: refuse, max_addrs_returned: 2, members: [
        {ip: 192.0.2.1, name: c, weight: 1}, {ip: '2001:db8::1', name: d, weight: 2}]}
  geo: {monitor: forced, lb_method: twrr, members: [{ip: 10.1.0.7, name: e, weight: 1},
        {ip: 10.2.0.7, name: f, weight: 1}]}
  hash: {monitor: forced, lb_method: chash, members: [{ip: 10.1.0.9, name: g, weight: 1},
        {ip: 10.2.0.9, name: h, weight: 3}]}
globalnames:
  www.example.com: {pool: web, ttl: 5}
  dual.example.com: {pool: dual, ttl: 5}
  geo.example.com: {pool: geo, ttl: 5}
  a.b.hash.example.com: {pool: hash, ttl: 5}
)",
                                       "a: [10.1.0.0/16]\nb: [10.2.0.0/16, '2001:db8::/32']\n");
        return new backend::GslbResolver(std::get<conf::Config>(std::move(loaded)),
                                         std::make_unique<FixedHealth>(),
                                         backend::ResolverOptions{1, "", "", 0});
    }();
    return *r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static backend::RemoteBackendProtocol protocol(resolver());
    FuzzedDataProvider in(data, size);
    backend::RequestFramer framer;
    std::string reply;
    while (in.remaining_bytes() > 0 && !framer.overflowing()) {
        std::string chunk = in.ConsumeRandomLengthString(4096);
        framer.append(chunk.data(), chunk.size());
        framer.takeRequests([&](std::string_view request) {
            reply.clear();
            protocol.handle(request, reply, in.ConsumeBool());
            if (reply.find('\n') != std::string::npos) {
                std::abort();  // one reply is one line
            }
            auto json = nlohmann::json::parse(reply, nullptr, false);
            if (json.is_discarded() || !json.is_object() || !json.contains("result")) {
                std::abort();
            }
        });
    }
    return 0;
}
