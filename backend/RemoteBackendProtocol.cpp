#include "backend/RemoteBackendProtocol.hpp"

#include <nlohmann/json.hpp>

#include "backend/RequestScanner.hpp"
#include "backend/ResultWriter.hpp"
#include "base/Log.hpp"

namespace pharos::backend {
namespace {

using nlohmann::json;

// Methods pdns may send that pharos has nothing for: pharos owns no zones, keys, metadata or
// TSIG keys (they all live in gsqlite3), so each answers "nothing here".
constexpr std::string_view kNothingHere[] = {"list",
                                             "getDomainInfo",
                                             "getDomainMetadata",
                                             "getAllDomainMetadata",
                                             "getDomainKeys",
                                             "getBeforeAndAfterNamesAbsolute",
                                             "getTSIGKey",
                                             "getTSIGKeys",
                                             "getUpdatedMasters",
                                             "getUnfreshSlaveInfos",
                                             "searchRecords",
                                             "searchComments",
                                             "superMasterBackend",
                                             "directBackendCmd",
                                             "getComments"};

void appendError(std::string& reply, const std::string& why) {
    reply += json{{"result", false}, {"log", json::array({"pharos: " + why})}}.dump();
}

// The JSON-parser path for lookups the scanner left alone (escapes, unusual layout).
bool readLookup(const json& params, LookupRequest& out, std::string& why) {
    for (const char* key : {"qtype", "qname"}) {
        if (!params.contains(key) || !params[key].is_string()) {
            why = std::string("lookup without a string parameter \"") + key + "\"";
            return false;
        }
    }
    for (const char* key : {"remote", "local", "real-remote"}) {
        if (params.contains(key) && !params[key].is_string()) {
            why = std::string("lookup parameter \"") + key + "\" is not a string";
            return false;
        }
    }
    out.qtype = params["qtype"].get_ref<const std::string&>();
    out.qname = params["qname"].get_ref<const std::string&>();
    auto text = [&](const char* key) -> std::string_view {
        return params.contains(key) ? std::string_view(params[key].get_ref<const std::string&>())
                                    : std::string_view();
    };
    out.remote = text("remote");
    out.local = text("local");
    out.real_remote = text("real-remote");
    out.zone_id = params.value("zone-id", json(-1)).is_number_integer()
                      ? params.value("zone-id", int64_t(-1))
                      : -1;
    return true;
}

}  // namespace

void RemoteBackendProtocol::handle(std::string_view request, std::string& reply, bool repeat) {
    ++resolver_.counters().requests;
    LookupRequest lookup;
    if (scanLookup(request, lookup)) {
        ++resolver_.counters().fast_path;
        appendLookupResult(resolver_.lookup(lookup, repeat), lookup.qname, reply);
        return;
    }
    handleParsed(request, reply, repeat);
}

void RemoteBackendProtocol::handleParsed(std::string_view request, std::string& reply,
                                         bool repeat) {
    auto& counters = resolver_.counters();
    json message = json::parse(request.begin(), request.end(), nullptr, false);
    if (message.is_discarded() || !message.is_object()) {
        ++counters.malformed;
        appendError(reply, "malformed request: not a JSON object");
        return;
    }
    if (!message.contains("method") || !message["method"].is_string()) {
        ++counters.malformed;
        appendError(reply, "request without a string \"method\"");
        return;
    }
    const std::string& method = message["method"].get_ref<const std::string&>();
    json params = message.contains("parameters") ? message["parameters"] : json::object();
    if (!params.is_object()) {
        ++counters.malformed;
        appendError(reply, "\"parameters\" of " + method + " is not an object");
        return;
    }
    if (method == "initialize") {
        ++counters.initialize;
        reply += R"({"result":true})";
    } else if (method == "lookup") {
        LookupRequest lookup;
        std::string why;
        if (!readLookup(params, lookup, why)) {
            ++counters.malformed;
            appendError(reply, why);
            return;
        }
        appendLookupResult(resolver_.lookup(lookup, repeat), lookup.qname, reply);
    } else if (method == "getAllDomains") {
        ++counters.get_all_domains;
        reply += R"({"result":[]})";  // no zones of its own: pdns's zone cache stays on
    } else if (std::find(std::begin(kNothingHere), std::end(kNothingHere), method) !=
               std::end(kNothingHere)) {
        ++counters.other_methods;
        reply += R"({"result":false})";
    } else {
        ++counters.unknown_methods;
        PHAROS_LOG(Info, "pdns sent method " << method << ", which pharos does not implement");
        reply += R"({"result":false})";
    }
}

}  // namespace pharos::backend
