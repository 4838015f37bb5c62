#pragma once
// Another source's verdicts, read once per pool and then kept: a view that decides many times
// (the status document's draws, explain's) decides over one moment's verdicts, as one lookup
// does, and reads each pool's slots once.
#include <map>
#include <vector>

#include "lb/VerdictSource.hpp"

namespace pharos::lb {

class VerdictSnapshot : public VerdictSource {
  public:
    // `from` must outlive the snapshot.
    explicit VerdictSnapshot(VerdictSource& from) : from_(from) {}
    bool fill(const conf::Config& config, const conf::Pool& pool, std::span<Health> out) override;

  private:
    struct Kept {
        std::vector<Health> verdicts;
        bool trusted = false;
    };
    VerdictSource& from_;
    std::map<const conf::Pool*, Kept> kept_;
};

}  // namespace pharos::lb
