#pragma once
// pdns 4.7's remote-backend protocol, apart from any transport: one JSON request in, one JSON
// reply out. Every reply has `result`, because pdns throws on a reply without one;
// `{"result":false}` means "nothing here", which sends pdns on to its other backends. The
// protocol alone writes JSON: GslbResolver hands back the records of a lookup's answer.
#include <string>
#include <string_view>

#include "backend/GslbResolver.hpp"

namespace pharos::backend {

class RemoteBackendProtocol {
  public:
    explicit RemoteBackendProtocol(GslbResolver& resolver) : resolver_(resolver) {}

    // Appends the reply to `request` (without the trailing newline) to `reply`. `repeat`: the
    // request repeats the one before it on the same connection (GslbResolver::lookup).
    void handle(std::string_view request, std::string& reply, bool repeat = false);
    GslbResolver& resolver() { return resolver_; }

  private:
    void handleParsed(std::string_view request, std::string& reply, bool repeat);

    GslbResolver& resolver_;
};

}  // namespace pharos::backend
