#include "health/MonitorFactory.hpp"

#include <algorithm>
#include <map>

#include "health/checks/DnsMonitor.hpp"
#include "health/checks/HttpMonitor.hpp"
#include "health/checks/TcpMonitor.hpp"

namespace pharos::health {

namespace asio = boost::asio;

namespace {

asio::ip::address toAsio(const base::IpAddress& ip) {
    if (ip.family == base::Family::V4) {
        return asio::ip::make_address_v4(ip.v4());
    }
    asio::ip::address_v6::bytes_type b;
    std::copy(ip.bytes.begin(), ip.bytes.end(), b.begin());
    return asio::ip::make_address_v6(b);
}

std::unique_ptr<Monitor> makeMonitor(asio::io_context& io, const conf::Pool& pool) {
    switch (pool.monitor) {
        case conf::MonitorKind::Http:
            return std::make_unique<HttpMonitor>(io, pool.params->http);
        case conf::MonitorKind::Tcp:
            return std::make_unique<TcpMonitor>(io, pool.params->tcp);
        case conf::MonitorKind::Dns:
            return std::make_unique<DnsMonitor>(io, pool.params->dns);
        case conf::MonitorKind::Forced:
            return nullptr;
    }
    return nullptr;
}

}  // namespace

ProbeTarget targetOf(const conf::Pool& pool, const conf::Member& m) {
    ProbeTarget t;
    t.address = toAsio(m.monitor_ip);
    t.port = m.monitor_port ? m.monitor_port : pool.params->port;
    std::string address = m.monitor_ip.str();
    // A cname member's site expects its own name (a CDN edge routes and picks its
    // certificate by it), so the name is sent unless the monitor sets `hostname`.
    t.sni = !pool.params->http.hostname.empty() ? pool.params->http.hostname : m.cname;
    t.host = !t.sni.empty()                            ? t.sni
             : m.monitor_ip.family == base::Family::V6 ? "[" + address + "]"
                                                       : address;
    return t;
}

Monitors makeMonitors(asio::io_context& io, const conf::Config& config) {
    Monitors monitors;
    std::map<std::pair<conf::MonitorKind, const conf::MonitorParams*>, Monitor*> made;
    for (const auto& pool : config.pools) {
        if (pool.monitor == conf::MonitorKind::Forced) {
            monitors.of_pool.push_back(nullptr);
            continue;
        }
        auto [it, fresh] = made.emplace(std::pair(pool.monitor, &*pool.params), nullptr);
        if (fresh) {
            monitors.owned.push_back(makeMonitor(io, pool));
            it->second = monitors.owned.back().get();
        }
        monitors.of_pool.push_back(it->second);
    }
    return monitors;
}

}  // namespace pharos::health
