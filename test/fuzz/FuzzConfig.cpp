// The configuration loader: LB and topology YAML bytes in, a configuration or errors out,
// never a crash or a hang. The admin-state file goes through the same YAML reader. An LB file
// read an entry at a time (conf/ChunkedYaml) must give what the whole document gives.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <cstdlib>

#include "admin/AdminStateFile.hpp"
#include "conf/ConfigLoader.hpp"
#include "conf/Parsers.hpp"

using namespace pharos::conf;

namespace {

[[noreturn]] void disagree(const std::vector<ConfigError>& chunked,
                           const std::vector<ConfigError>& whole) {
    for (const auto& e : chunked) {
        std::fprintf(stderr, "read an entry at a time: %s\n", e.str().c_str());
    }
    for (const auto& e : whole) {
        std::fprintf(stderr, "read whole: %s\n", e.str().c_str());
    }
    std::abort();
}

void wholeAgrees(const std::string& lb, const LoadResult& chunked) {
    std::vector<ConfigError> errors;
    YamlReader in("<lb>", errors);
    Config whole;
    if (auto doc = ChunkedYaml::parse(in, lb, {"pools", "globalnames"}, true)) {
        parseLbFile(in, *doc, whole.topology, whole);
    }
    if (const auto* c = std::get_if<Config>(&chunked)) {
        bool same = errors.empty() && c->pools.size() == whole.pools.size() &&
                    c->globalnames.size() == whole.globalnames.size();
        for (size_t i = 0; same && i < c->pools.size(); ++i) {
            same = c->pools[i].name == whole.pools[i].name &&
                   c->pools[i].members == whole.pools[i].members &&
                   c->pools[i].params == whole.pools[i].params;
        }
        for (size_t i = 0; same && i < c->globalnames.size(); ++i) {
            same = c->globalnames[i].name == whole.globalnames[i].name &&
                   c->globalnames[i].pool == whole.globalnames[i].pool;
        }
        if (!same) {
            disagree({}, errors);
        }
        return;
    }
    const auto& chunked_errors = std::get<std::vector<ConfigError>>(chunked);
    bool same = chunked_errors.size() == errors.size();
    for (size_t i = 0; same && i < errors.size(); ++i) {
        same = chunked_errors[i].str() == errors[i].str();
    }
    if (!same) {
        disagree(chunked_errors, errors);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzedDataProvider in(data, size);
    int which = in.ConsumeIntegralInRange(0, 2);
    if (which == 2) {
        pharos::admin::parseAdminState(in.ConsumeRemainingBytesAsString(), "<admin-state>");
        return 0;
    }
    std::string topology = which == 1 ? in.ConsumeRandomLengthString(4096) : "";
    std::string lb = in.ConsumeRemainingBytesAsString();
    auto result = loadLbText(lb, topology, "<lb>", "<topology>");
    if (auto* config = std::get_if<Config>(&result)) {
        describeChanges(*config, *config);
    }
    if (topology.empty()) {
        wholeAgrees(lb, result);
    }
    return 0;
}
