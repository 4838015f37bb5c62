#pragma once
// The framing of pdns's remote-backend stream: one JSON request per line. Bytes arrive in any
// split (a request across reads, many requests in one read); this cuts them into requests and
// keeps the unfinished rest. No I/O, so the fuzzer drives it with arbitrary splits.
#include <cstddef>
#include <string>
#include <string_view>

namespace pharos::backend {

// A request longer than this without a newline is not pdns talking: the connection is closed.
constexpr size_t kMaxRequestBytes = 1 << 20;

class RequestFramer {
  public:
    void append(const char* data, size_t n) { pending_.append(data, n); }

    // Calls `on_request(line)` for each complete line that is not blank, in order, and drops
    // them; returns how many it passed on.
    template <typename OnRequest>
    size_t takeRequests(OnRequest&& on_request);

    // Bytes that do not end in a newline yet: part of a request, lost if the peer closes.
    bool partial() const { return !pending_.empty(); }
    size_t pendingBytes() const { return pending_.size(); }
    // The unfinished request is over the bound: the caller closes the connection.
    bool overflowing() const { return pending_.size() > kMaxRequestBytes; }

  private:
    std::string pending_;
};

template <typename OnRequest>
size_t RequestFramer::takeRequests(OnRequest&& on_request) {
    size_t start = 0;
    size_t taken = 0;
    for (size_t nl; (nl = pending_.find('\n', start)) != std::string::npos; start = nl + 1) {
        std::string_view line(pending_.data() + start, nl - start);
        if (line.find_first_not_of(" \r\t") != std::string_view::npos) {
            on_request(line);
            ++taken;
        }
    }
    pending_.erase(0, start);
    return taken;
}

}  // namespace pharos::backend
