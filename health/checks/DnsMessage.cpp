#include "health/checks/DnsMessage.hpp"

#include <arpa/inet.h>

namespace pharos::health {

std::vector<uint8_t> buildDnsQuery(uint16_t id, std::string_view name, uint16_t qtype) {
    std::vector<uint8_t> q = {uint8_t(id >> 8),
                              uint8_t(id),
                              0x01,
                              0x00,  // RD
                              0,
                              1,
                              0,
                              0,
                              0,
                              0,
                              0,
                              0};
    size_t start = 0;
    while (start < name.size()) {
        size_t dot = name.find('.', start);
        size_t end = dot == std::string_view::npos ? name.size() : dot;
        q.push_back(uint8_t(end - start));
        q.insert(q.end(), name.begin() + long(start), name.begin() + long(end));
        start = end + 1;
    }
    q.push_back(0);
    q.insert(q.end(), {uint8_t(qtype >> 8), uint8_t(qtype), 0, 1});
    return q;
}

namespace {

class Reader {
  public:
    explicit Reader(std::span<const uint8_t> m) : m_(m) {}
    bool u16(uint16_t& v) {
        if (pos_ + 2 > m_.size()) {
            return false;
        }
        v = uint16_t(m_[pos_] << 8 | m_[pos_ + 1]);
        pos_ += 2;
        return true;
    }
    bool skip(size_t n) {
        pos_ += n;
        return pos_ <= m_.size();
    }
    // Reads a possibly compressed name starting at `at`; advances past it when `at` is pos_.
    bool name(std::string& out) {
        size_t at = pos_;
        bool jumped = false;
        for (int hops = 0; hops < 64; ++hops) {
            if (at >= m_.size()) {
                return false;
            }
            uint8_t len = m_[at];
            if ((len & 0xC0) == 0xC0) {
                if (at + 1 >= m_.size()) {
                    return false;
                }
                if (!jumped) {
                    pos_ = at + 2;
                }
                jumped = true;
                at = size_t((len & 0x3F) << 8 | m_[at + 1]);
                continue;
            }
            if (len == 0) {
                if (!jumped) {
                    pos_ = at + 1;
                }
                return true;
            }
            if (at + 1 + len > m_.size()) {
                return false;
            }
            out.append(reinterpret_cast<const char*>(&m_[at + 1]), len).push_back('.');
            at += 1 + size_t(len);
        }
        return false;
    }
    size_t pos() const { return pos_; }
    std::span<const uint8_t> bytes(size_t n) const { return m_.subspan(pos_, n); }

  private:
    std::span<const uint8_t> m_;
    size_t pos_ = 0;
};

std::string rdataText(Reader& r, uint16_t type, uint16_t length) {
    auto data = r.bytes(length);
    char buf[64];
    if (type == 1 && length == 4) {
        return inet_ntop(AF_INET, data.data(), buf, sizeof buf);
    }
    if (type == 28 && length == 16) {
        return inet_ntop(AF_INET6, data.data(), buf, sizeof buf);
    }
    if (type == 2 || type == 5 || type == 12) {  // NS, CNAME, PTR
        Reader copy = r;
        std::string name;
        return copy.name(name) ? name : std::string();
    }
    if (type == 16 && length > 0) {  // TXT: the strings joined
        std::string text;
        for (size_t i = 0; i < length;) {
            size_t n = data[i];
            text.append(reinterpret_cast<const char*>(data.data()) + i + 1,
                        std::min(n, size_t(length) - i - 1));
            i += n + 1;
        }
        return text;
    }
    return {};
}

}  // namespace

std::optional<DnsReply> parseDnsReply(std::span<const uint8_t> message) {
    Reader r(message);
    DnsReply reply;
    uint16_t flags, qd, an, ns, ar;
    if (!r.u16(reply.id) || !r.u16(flags) || !r.u16(qd) || !r.u16(an) || !r.u16(ns) || !r.u16(ar) ||
        !(flags & 0x8000)) {
        return std::nullopt;
    }
    reply.rcode = flags & 0x0F;
    for (uint16_t i = 0; i < qd; ++i) {
        std::string ignored;
        if (!r.name(ignored) || !r.skip(4)) {
            return std::nullopt;
        }
    }
    for (uint16_t i = 0; i < an; ++i) {
        std::string owner;
        uint16_t type, cls, ttl_hi, ttl_lo, length;
        if (!r.name(owner) || !r.u16(type) || !r.u16(cls) || !r.u16(ttl_hi) || !r.u16(ttl_lo) ||
            !r.u16(length) || r.pos() + length > message.size()) {
            return std::nullopt;
        }
        reply.answers.push_back(rdataText(r, type, length));
        r.skip(length);
    }
    return reply;
}

}  // namespace pharos::health
