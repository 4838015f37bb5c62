#pragma once
// The status page served at /: one self-contained HTML document (no external asset) whose
// script reads /status every two seconds and shows every pool, member and globalname.
#include <string_view>

namespace pharos::web {

std::string_view statusPageHtml();

}  // namespace pharos::web
