#pragma once
// A node's vote as etcd holds it under <prefix>votes/<node>: JSON with its site, whether it has
// judged every member, its configuration's layout and the members it sees down, grouped by
// pool so each pool's name is written once:
//   {"site": "east", "ready": true, "layout": "00c0ffee00c0ffee",
//    "down": {"web": ["10.1.0.5", "edge.example.net"]}, "at_ms": 1795690000000}
// Another node wrote it, so reading it checks every part and never throws.
#include <cstdint>
#include <optional>
#include <string>

#include "state/VoteBook.hpp"

namespace pharos::cluster {

std::string encodeVote(const state::NodeVote& vote, int64_t at_ms);
// Nothing when `text` is not a vote.
std::optional<state::NodeVote> decodeVote(const std::string& text);

}  // namespace pharos::cluster
