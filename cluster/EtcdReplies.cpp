#include "cluster/EtcdReplies.hpp"

#include "cluster/Base64.hpp"
#include "cluster/EtcdJson.hpp"

namespace pharos::cluster {

using nlohmann::json;

EtcdCallReply readCallReply(unsigned status, const std::string& body) {
    json reply = json::parse(body, nullptr, false);
    if (status != 200 || reply.is_discarded()) {
        // Only a string is a reason: value() would throw for any other type, out of the loop.
        const json& error = field(reply, "error");
        std::string why = error.is_string() ? error.get<std::string>() : "";
        return {"HTTP " + std::to_string(status) + (why.empty() ? "" : ": " + why), json()};
    }
    return {"", std::move(reply)};
}

std::string WatchStreamSplitter::take(std::string_view piece,
                                      const std::function<bool(const json&)>& message) {
    pending_.append(piece);
    for (size_t at; (at = pending_.find('\n')) != std::string::npos;) {
        json parsed = json::parse(pending_.substr(0, at), nullptr, false);
        pending_.erase(0, at + 1);
        if (parsed.is_discarded()) {
            return "malformed watch message";
        }
        if (!message(parsed)) {
            return "";
        }
    }
    return pending_.size() > kMaxMessage ? "watch ended" : "";
}

namespace {

EtcdKv readKv(const json& kv) {
    EtcdKv out;
    out.key = fromBase64(kv.value("key", std::string()));
    out.value = fromBase64(kv.value("value", std::string()));
    out.mod_revision = number(kv, "mod_revision");
    return out;
}

}  // namespace

LeaseGrant readLeaseGrant(const json& reply) {
    if (number(reply, "TTL") <= 0) {
        return {"", reply.value("error", "refused")};
    }
    return {std::to_string(number(reply, "ID")), std::nullopt};
}

KeepAliveAnswer readKeepAlive(const json& reply) {
    if (!reply.contains("result")) {
        return {"keepalive: " + reply.value("error", reply).dump(), false};
    }
    return {std::nullopt, number(field(reply, "result"), "TTL") <= 0};
}

RangeAnswer readRange(const json& reply) {
    RangeAnswer out;
    for (const auto& kv : field(reply, "kvs")) {
        out.kvs.push_back(readKv(kv));
    }
    out.revision = readRevision(reply);
    return out;
}

bool readTxnSucceeded(const json& reply) {
    return reply.value("succeeded", false);
}

int64_t readRevision(const json& reply) {
    return number(field(reply, "header"), "revision");
}

WatchAnswer readWatchMessage(const json& message) {
    WatchAnswer out;
    const json& result = field(message, "result");
    if (!result.is_object()) {
        out.kind = WatchAnswer::Error;
        out.why = message.value("error", json(message)).dump();
        return out;
    }
    if (result.value("canceled", false)) {
        // Compacted past the last revision seen, or (a member without a leader) cancelled.
        out.kind = number(result, "compact_revision") > 0 ? WatchAnswer::Compacted
                                                          : WatchAnswer::Cancelled;
        out.why = result.value("cancel_reason", std::string());
        return out;
    }
    if (!result.contains("events")) {
        return out;
    }
    out.kind = WatchAnswer::Events;
    for (const auto& event : field(result, "events")) {
        EtcdKv kv = readKv(field(event, "kv"));
        // PUT is protobuf's 0, which JSON leaves out.
        kv.deleted = event.value("type", std::string()) == "DELETE";
        out.events.push_back(std::move(kv));
    }
    out.revision = readRevision(result);
    return out;
}

}  // namespace pharos::cluster
