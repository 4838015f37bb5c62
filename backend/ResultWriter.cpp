#include "backend/ResultWriter.hpp"

#include <cstdio>

namespace pharos::backend {
namespace {

void appendEscaped(std::string& out, std::string_view text) {
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        if (uint8_t(c) < 0x20) {
            continue;  // pdns never sends control characters in names
        }
        out += c;
    }
}

// A record's opening up to its name, one literal per type.
std::string_view recordStart(AnswerRecord::Type type) {
    switch (type) {
        case AnswerRecord::Type::A:
            return R"({"qtype":"A","qname":")";
        case AnswerRecord::Type::Aaaa:
            return R"({"qtype":"AAAA","qname":")";
        case AnswerRecord::Type::Cname:
            return R"({"qtype":"CNAME","qname":")";
        case AnswerRecord::Type::EmptyNonTerminal:
            break;
    }
    return R"({"qtype":"TYPE0","qname":")";  // as gsqlite3 stores an empty non-terminal
}

// {"qtype":…,"qname":…,"content":…,"ttl":…,"auth":true[,"scopeMask":…]}
void appendRecord(const AnswerRecord& record, std::string_view qname, std::string& reply) {
    char number[16];
    reply += recordStart(record.type);
    appendEscaped(reply, qname);
    reply += R"(","content":")";
    if (record.type == AnswerRecord::Type::Cname) {
        appendEscaped(reply, record.content);  // the loader allows host-name characters only
        reply += '.';
    } else {
        reply += record.content;  // an address: nothing to escape
    }
    reply += R"(","ttl":)";
    reply.append(number, size_t(std::snprintf(number, sizeof number, "%u", record.ttl)));
    reply += R"(,"auth":true)";
    if (record.scope_mask > 0) {
        reply += R"(,"scopeMask":)";
        reply.append(number, size_t(std::snprintf(number, sizeof number, "%d", record.scope_mask)));
    }
    reply += '}';
}

}  // namespace

void appendLookupResult(const LookupAnswer& answer, std::string_view qname, std::string& reply) {
    if (!answer.found) {
        reply += R"({"result":false})";
        return;
    }
    reply += R"({"result":[)";
    for (size_t i = 0; i < answer.records.size(); ++i) {
        if (i > 0) {
            reply += ',';
        }
        appendRecord(answer.records[i], qname, reply);
    }
    reply += "]}";
}

}  // namespace pharos::backend
