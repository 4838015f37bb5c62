#pragma once
// The validated in-memory configuration shared by pharos-backend, pharos-health and pharosctl.
// Every field holds its default, so code never has to ask "was this key set?". Built only by
// loadConfig() (ConfigLoader.hpp); once built it is immutable and safe to share.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/IpAddress.hpp"
#include "conf/CopyOnWrite.hpp"

namespace pharos::conf {

using Seconds = std::chrono::duration<double>;

enum class MonitorKind : uint8_t { Http, Tcp, Forced, Dns };
enum class LbMethod : uint8_t { Wrr, Twrr, FoGroup, CHash };
enum class Fallback : uint8_t { Any, Refuse, Pool };  // Pool: `fallback: pool:NAME` (pharos)
enum class FailbackMode : uint8_t { Auto, Manual };
enum class FailoverMode : uint8_t { Auto, Manual };
enum class ClientAddressSource : uint8_t { Ecs, Resolver };
enum class TopologyFallback : uint8_t { Any, Nearest };
enum class StalePolicy : uint8_t { FailOpen, LastKnown };
// pharos: how a cluster's vantage points' verdicts on a member combine. The member is down when
// this node sees it down (local), when any live node does, when more than half of them do, or
// when every one does.
enum class HealthQuorum : uint8_t { Local, Any, Majority, All };
enum class HttpMethod : uint8_t { Get, Head };

// pharos: `expected_json` of the http monitor: the value at a JSON Pointer in the body.
struct JsonExpectation {
    std::string pointer;  // RFC 6901, validated at load
    std::string value;    // the expected value as JSON text, compared as JSON
    friend bool operator==(const JsonExpectation&, const JsonExpectation&) = default;
};

struct HttpHeader {  // pharos: `headers` of the http monitor, validated at load
    std::string name;
    std::string value;
    friend bool operator==(const HttpHeader&, const HttpHeader&) = default;
};

struct HttpParams {
    bool use_ssl = false;
    std::string hostname;  // empty: the probed address is sent as Host and no SNI
    std::string url_path = "/";
    std::vector<int> expected_codes{200};
    std::string body_match;         // pharos: substring the body must contain; empty: not checked
    bool verify_tls = false;        // pharos: Polaris never verifies certificates
    std::string ca_file;            // pharos: PEM bundle for verify_tls; empty: system store
    bool tls_session_reuse = true;  // pharos: resume each member's last TLS session
    HttpMethod method = HttpMethod::Get;         // pharos
    std::vector<HttpHeader> headers;             // pharos: extra request headers
    std::string body_regex;                      // pharos: ECMAScript, searched in the body
    std::vector<JsonExpectation> expected_json;  // pharos: every one must hold
    bool readsBody() const {
        return !body_match.empty() || !body_regex.empty() || !expected_json.empty();
    }
    friend bool operator==(const HttpParams&, const HttpParams&) = default;
};

struct TcpParams {
    std::string send_string;
    std::string match_re;  // case-insensitive; empty: a connect is enough
    friend bool operator==(const TcpParams&, const TcpParams&) = default;
};

struct DnsParams {            // pharos extension: monitor: dns
    std::string query_name;   // canonical, required
    uint16_t query_type = 1;  // numeric qtype; A by default
    std::string query_type_name = "A";
    std::vector<int> expected_rcodes{0};  // NOERROR
    std::string expected_answer;          // text that must appear in one answer RR; empty: any
    friend bool operator==(const DnsParams&, const DnsParams&) = default;
};

struct MonitorParams {
    Seconds interval{10.0};
    Seconds timeout{5.0};
    int retries = 2;         // failures tolerated: down after retries + 1 in a row
    int rise = 1;            // pharos: successes in a row to come back up
    uint16_t port = 0;       // resolved at load: http 80/443, dns 53, tcp required
    bool forced_up = false;  // monitor: forced, status: up|down
    HttpParams http;
    TcpParams tcp;
    DnsParams dns;
    friend bool operator==(const MonitorParams&, const MonitorParams&) = default;
};

// pharos: `depends_on: [POOL/MEMBER]`, resolved once every pool is read.
struct MemberRef {
    std::string text;  // as written, for messages
    int pool = -1;     // index into Config::pools
    uint32_t member = 0;
    friend bool operator==(const MemberRef&, const MemberRef&) = default;
};

struct Member {
    base::IpAddress ip;  // unset (and unused) for a cname member
    std::string cname;   // pharos: canonical target name; empty: an address member
    std::string name;
    int weight = 0;
    base::IpAddress monitor_ip;  // defaults to ip
    uint16_t monitor_port = 0;   // pharos: 0 means the pool monitor's port
    int priority = 0;            // pharos, fogroup only: lower is preferred
    int region = -1;             // index into Topology::regions; -1: outside every region
    bool alert_only = false;     // pharos: probed and reported, never changes an answer
    bool probe_by_name = false;  // cname member without monitor_ip: probe what cname resolves to
    std::vector<MemberRef> depends_on;  // pharos: down while any of these is down
    bool isCname() const { return !cname.empty(); }
    friend bool operator==(const Member&, const Member&) = default;
};

struct Pool {
    std::string name;
    MonitorKind monitor = MonitorKind::Http;
    CopyOnWrite<MonitorParams> params;  // pools with the same settings share one copy
    LbMethod lb_method = LbMethod::Wrr;
    Fallback fallback = Fallback::Any;
    int max_addrs_returned = 1;
    ClientAddressSource client_address = ClientAddressSource::Ecs;  // pharos
    TopologyFallback topology_fallback = TopologyFallback::Any;     // pharos
    int chash_prefix_v4 = 24;                                       // pharos, chash only
    int chash_prefix_v6 = 56;
    std::string fallback_pool;     // fallback: pool:NAME
    int fallback_pool_index = -1;  // set by finalizeLayout
    // pharos DR policies (docs/LB.md): how long a member must stay down before answers move,
    // and whether an operator must approve the move away from the preferred member or back.
    Seconds failover_after{0.0};
    FailbackMode failback = FailbackMode::Auto;  // fogroup only
    FailoverMode failover = FailoverMode::Auto;  // fogroup only
    bool uses_priority = false;  // some member sets `priority` (fogroup priority mode)
    bool has_cname = false;      // some member is a cname: one member answers, of any family
    bool alert_only = false;     // pharos: every member's default for Member::alert_only
    HealthQuorum health_quorum = HealthQuorum::Local;  // pharos, with a `cluster:`
    std::vector<Member> members;                       // configuration order: fogroup's order
    uint32_t first_slot = 0;  // health-table slot of members[0]; see Config::slot_count
};

struct GlobalName {
    std::string name;  // canonical: lower case, no trailing dot
    std::string pool;
    int pool_index = -1;
    uint32_t ttl = 0;
};

struct Region {
    std::string name;
    std::vector<base::Cidr> cidrs;
    std::vector<int> neighbours;  // pharos: region indices, nearest first
    friend bool operator==(const Region&, const Region&) = default;
};

struct Topology {
    std::vector<Region> regions;
    int regionIndex(const std::string& name) const;
};

// pharos: a planned drain of one member, or of a whole pool, from `start` to `end`.
struct MaintenanceWindow {
    std::string pool;
    std::string member;    // a member's name or address; empty: every member of the pool
    int64_t start_ms = 0;  // CLOCK_REALTIME
    int64_t end_ms = 0;
    std::string reason;
    int pool_index = -1;  // set by finalizeLayout
    friend bool operator==(const MaintenanceWindow&, const MaintenanceWindow&) = default;
};

// pharos: one `notify:` entry, a URL that receives a JSON POST per event.
struct WebhookTarget {
    std::string url;
    std::string
        shown;  // for logs and metrics: scheme://host:port, the path (often a secret) left out
    std::string scheme;  // "http" or "https"
    std::string host;
    uint16_t port = 0;
    std::string target;  // path and query
    bool verify_tls = true;
    std::string ca_file;  // empty: the system store
    Seconds timeout{5.0};
    Seconds retry_for{300.0};  // then the event is dropped
    friend bool operator==(const WebhookTarget&, const WebhookTarget&) = default;
};

// pharos: one etcd endpoint of `cluster.etcd`, http[s]://HOST:PORT.
struct EtcdEndpoint {
    std::string url;
    std::string scheme;
    std::string host;
    uint16_t port = 0;
    friend bool operator==(const EtcdEndpoint&, const EtcdEndpoint&) = default;
};

// pharos.yaml's `cluster:` (docs/CLUSTER.md): the nodes of one GSLB share their overrides, DR
// policy records and verdicts through etcd. No endpoints: standalone.
struct ClusterSettings {
    std::vector<EtcdEndpoint> etcd;
    std::string node;  // this node's name among the cluster's; default the host name
    std::string site;  // its region, for people
    std::string prefix = "/pharos/";
    std::string cert_file, key_file, ca_file;  // TLS client certificate and the CA of etcd's
    Seconds lease_ttl{3.0};                    // a dead node's votes go after this long
    bool enabled() const { return !etcd.empty(); }
    friend bool operator==(const ClusterSettings&, const ClusterSettings&) = default;
};

struct Settings {
    std::string config_file;  // absolute path of pharos.yaml, or empty when loaded from an LB file
    std::string lb_file;
    std::string topology_file;  // empty: no topology
    std::string backend_socket = "/run/pharos/backend.sock";
    std::string socket_group = "pdns";
    uint64_t max_connections = 4096;  // backend connections open at once
    std::string health_table = "/pharos-health";
    std::string table_group = "pharos";  // pharos-backend and pharosctl read the table
    Seconds stale_after{10.0};
    StalePolicy on_stale = StalePolicy::FailOpen;
    // Checks in flight at once. An https check costs 0.4-0.7 ms of CPU (bench_prober): 1,024 of
    // them queue under a second of CPU, well inside the default 5 s timeout, in about 40 MB;
    // and 1,024 members that time out at 5 s still leave room for 200 checks a second.
    uint64_t max_in_flight = 1024;
    std::string admin_state = "/var/lib/pharos/admin-state.json";
    std::string control_socket = "/run/pharos/control.sock";  // pharosctl -> pharos-health
    std::string control_group = "pharos";  // may change state (with root); owns admin_state
    std::string http_listen = "127.0.0.1:9180";
    std::string log_level = "info";
    std::string user = "pharos";  // started as root: who to become once the sockets are bound
    std::string node_name;        // pharos: names this node in notifications; default hostname
    std::vector<WebhookTarget> notify;
    ClusterSettings cluster;
};

struct Config {
    Settings settings;
    std::vector<Pool> pools;  // sorted by name, so slot numbering ignores file order
    std::vector<GlobalName> globalnames;
    std::unordered_map<std::string, int> globalname_index;  // canonical name -> globalnames[i]
    Topology topology;
    std::vector<MaintenanceWindow> maintenance;  // in file order
    uint32_t slot_count = 0;                     // one health-table slot per (pool, member)
    // The layout hash: FNV-1a over every pool's name, in name order, each followed by its
    // members' addresses (a cname member's target name) in file order; weights, member names
    // and monitor settings are not in it. Prober, backend and the cluster's nodes compare it
    // to know they number the slots alike.
    uint64_t layout_hash = 0;

    int poolIndex(const std::string& name) const;
    const GlobalName* findGlobalName(const std::string& canonical) const;
};

// What a reload from `before` to `after` changes, one line per change, for people (pharosctl
// reload, the log). Empty when nothing does.
std::vector<std::string> describeChanges(const Config& before, const Config& after);

// Numbers the health-table slots (Pool::first_slot, Config::slot_count), computes layout_hash
// and indexes globalnames. The loader calls it; tests that build a Config by hand call it too.
void finalizeLayout(Config& config);

const char* toString(MonitorKind);
const char* toString(LbMethod);
const char* toString(Fallback);
const char* toString(FailbackMode);
const char* toString(FailoverMode);
const char* toString(HealthQuorum);
const char* toString(StalePolicy);  // "fail-open" or "last-known", as pharos.yaml spells it
// The fallback as the LB file spells it: "any", "refuse" or "pool:NAME".
std::string fallbackText(const Pool& pool);
// What a member answers with, for people: its address, or its cname target.
std::string memberTarget(const Member& m);
const char* toString(HttpMethod);
// Whether window `w` covers member `m` of its pool.
bool windowCovers(const MaintenanceWindow& w, const Member& m);

}  // namespace pharos::conf
