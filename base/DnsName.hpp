#pragma once
// DNS names compare case-insensitively and with or without the root dot; pharos keeps every
// name in one canonical form (lower case, no trailing dot) so a lookup is one hash probe.
#include <string>
#include <string_view>

namespace pharos::base {

std::string canonicalName(std::string_view name);

// Writes the canonical form into `out` (reusing its capacity) so the backend's lookup path
// does not allocate once the buffer has grown.
void canonicalNameInto(std::string_view name, std::string& out);

// Whether a canonical name is a valid DNS name: labels of 1-63 characters, 253 in all.
bool validDnsName(const std::string& name);

}  // namespace pharos::base
