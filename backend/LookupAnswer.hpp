#pragma once
// What one lookup answers, apart from any wire format: GslbResolver decides it, and the
// remote-backend protocol alone writes it out (backend/ResultWriter).
#include <cstdint>
#include <string_view>
#include <vector>

namespace pharos::backend {

struct AnswerRecord {
    // EmptyNonTerminal: the name exists and holds nothing (pdns answers NODATA, not NXDOMAIN).
    enum class Type : uint8_t { A, Aaaa, Cname, EmptyNonTerminal };
    Type type = Type::A;
    // The address, or the CNAME's target without its final dot; empty for an empty
    // non-terminal. Points into the resolver's configuration: valid until its next reload.
    std::string_view content;
    uint32_t ttl = 0;
    int scope_mask = 0;  // 0: none sent, pdns may cache the record for every client
};

struct LookupAnswer {
    // false: nothing of the type asked for here (pdns goes on to its other backends, and
    // answers NXDOMAIN or NODATA from them).
    bool found = false;
    std::vector<AnswerRecord> records;  // reused from lookup to lookup
    void clear() {
        found = false;
        records.clear();
    }
};

}  // namespace pharos::backend
