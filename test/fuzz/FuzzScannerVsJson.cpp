// The hand scanner of lookups against nlohmann/json on the same bytes: whatever the scanner
// accepts, the JSON parser must accept too and read the same lookup from.
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "backend/RequestScanner.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    pharos::backend::LookupRequest scanned;
    if (!pharos::backend::scanLookup(text, scanned)) {
        return 0;
    }
    auto json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded() || !json.is_object() || json.value("method", "") != "lookup") {
        std::abort();
    }
    const auto& p = json["parameters"];
    auto same = [&](const char* key, std::string_view value) {
        return p.contains(key) ? p[key].is_string() && p[key].get<std::string>() == value
                               : value.empty();
    };
    if (!p.is_object() || !same("qtype", scanned.qtype) || !same("qname", scanned.qname) ||
        !same("remote", scanned.remote) || !same("local", scanned.local) ||
        !same("real-remote", scanned.real_remote)) {
        std::abort();
    }
    if (p.contains("zone-id") && p["zone-id"].is_number_integer() &&
        p["zone-id"].get<int64_t>() != scanned.zone_id) {
        std::abort();
    }
    return 0;
}
