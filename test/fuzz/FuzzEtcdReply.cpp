// etcd's answers as the cluster link reads them (cluster/EtcdReplies): a call's status and
// body, then every reader a call's JSON meets (lease grant and keepalive, range, txn); or a
// watch stream's body, cut into pieces, then each message. Any bytes: never a crash, and no
// exception but nlohmann's for a field of another type (which the link takes as a lost link).
// The stream must split the same whatever pieces it arrives in.
#include <cstdlib>
#include <string>
#include <vector>

#include "cluster/EtcdReplies.hpp"

using namespace pharos::cluster;
using nlohmann::json;

namespace {

template <typename Read>
void guarded(Read read) {
    try {
        read();
    } catch (const json::exception&) {
    }
}

void readCall(unsigned status, const std::string& body) {
    EtcdCallReply call = readCallReply(status, body);  // must never throw
    if (call.error.empty() != (status == 200 && json::accept(body))) {
        std::abort();
    }
    if (!call.error.empty()) {
        return;
    }
    guarded([&] { readLeaseGrant(call.reply); });
    guarded([&] { readKeepAlive(call.reply); });
    guarded([&] { readRange(call.reply); });
    guarded([&] { readTxnSucceeded(call.reply); });
    readRevision(call.reply);  // numbers never throw
}

// The messages, each as its JSON text, and why the stream ended.
std::vector<std::string> split(const std::string& stream, size_t piece, std::string& why) {
    WatchStreamSplitter splitter;
    std::vector<std::string> messages;
    for (size_t at = 0; at < stream.size() && why.empty(); at += piece) {
        why = splitter.take(std::string_view(stream).substr(at, piece), [&](const json& m) {
            messages.push_back(m.dump());
            guarded([&] { readWatchMessage(m); });
            return true;
        });
    }
    return messages;
}

void readWatch(const std::string& stream, size_t piece) {
    std::string why_pieces, why_whole;
    auto pieces = split(stream, piece, why_pieces);
    auto whole = split(stream, stream.size() + 1, why_whole);
    if (pieces != whole || why_pieces != why_whole) {
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) {
        return 0;
    }
    static const unsigned kStatuses[] = {200, 200, 200, 200, 400, 404, 500, 503};
    std::string rest(reinterpret_cast<const char*>(data) + 2, size - 2);
    if (data[0] & 1) {
        readWatch(rest, data[1] % 64 + 1);
    } else {
        readCall(kStatuses[data[1] % 8], rest);
    }
    return 0;
}
