#include "backend/BackendCounters.hpp"

#include <numeric>

namespace pharos::backend {

uint64_t BackendCounters::servicePercentileNs(double fraction) const {
    uint64_t total = std::accumulate(service_time.begin(), service_time.end(), uint64_t(0));
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

}  // namespace pharos::backend
