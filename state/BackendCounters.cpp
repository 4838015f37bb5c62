#include "state/BackendCounters.hpp"

namespace pharos::state {

uint64_t BackendCounters::servicePercentileNs(double fraction) const {
    uint64_t total = 0;
    for (const auto& c : service_time) {
        total += c;
    }
    if (total == 0) {
        return 0;
    }
    uint64_t seen = 0;
    for (size_t i = 0; i < service_time.size(); ++i) {
        seen += service_time[i];
        if (double(seen) >= fraction * double(total)) {
            return (i + 1) * kServiceBucketNs;
        }
    }
    return service_time.size() * kServiceBucketNs;
}

uint64_t BackendCounters::servedWithinNs(uint64_t ns) const {
    uint64_t total = 0;
    size_t buckets = std::min<size_t>(ns / kServiceBucketNs, service_time.size() - 1);
    for (size_t i = 0; i < buckets; ++i) {
        total += service_time[i];
    }
    return total;
}

}  // namespace pharos::state
