#include "conf/DnsName.hpp"

namespace pharos::conf {

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

}  // namespace pharos::conf
