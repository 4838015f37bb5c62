// The configuration loader: LB and topology YAML bytes in, a configuration or errors out,
// never a crash or a hang. The admin-state file goes through the same YAML reader.
#include <fuzzer/FuzzedDataProvider.h>

#include "admin/AdminStateFile.hpp"
#include "conf/ConfigLoader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzedDataProvider in(data, size);
    int which = in.ConsumeIntegralInRange(0, 2);
    if (which == 2) {
        pharos::admin::parseAdminState(in.ConsumeRemainingBytesAsString(), "<admin-state>");
        return 0;
    }
    std::string topology = which == 1 ? in.ConsumeRandomLengthString(4096) : "";
    std::string lb = in.ConsumeRemainingBytesAsString();
    auto result = pharos::conf::loadLbText(lb, topology);
    if (auto* config = std::get_if<pharos::conf::Config>(&result)) {
        pharos::conf::describeChanges(*config, *config);
    }
    return 0;
}
