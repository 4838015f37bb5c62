#include "base/DnsName.hpp"

namespace pharos::base {

void canonicalNameInto(std::string_view name, std::string& out) {
    if (name.size() > 1 && name.back() == '.') {
        name.remove_suffix(1);
    }
    out.assign(name);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = char(c - 'A' + 'a');
        }
    }
}

std::string canonicalName(std::string_view name) {
    std::string out;
    canonicalNameInto(name, out);
    return out;
}

bool validDnsName(const std::string& name) {
    if (name.empty() || name.size() > 253) {
        return false;
    }
    size_t start = 0;
    while (start <= name.size()) {
        size_t dot = name.find('.', start);
        size_t end = dot == std::string::npos ? name.size() : dot;
        if (end == start || end - start > 63) {
            return false;
        }
        if (dot == std::string::npos) {
            return true;
        }
        start = dot + 1;
    }
    return true;
}

}  // namespace pharos::base
