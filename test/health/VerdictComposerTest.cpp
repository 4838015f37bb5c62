// composeVerdict fed plain values, one row per case: its own checks, the cluster's votes, its
// dependencies, and the override and hold the verdict word carries.
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "health/VerdictComposer.hpp"

using pharos::conf::HealthQuorum;
using pharos::health::composeVerdict;
using pharos::health::Verdict;
using pharos::health::VerdictInputs;
using pharos::state::AdminOverride;
using pharos::state::FailureReason;
using pharos::state::MemberState;
using pharos::state::PolicyHold;
using pharos::state::Tally;

namespace {

constexpr MemberState U = MemberState::Up;
constexpr MemberState D = MemberState::Down;
constexpr MemberState Q = MemberState::Unknown;

// The quorum settings and the votes, short so one row fits one line.
constexpr HealthQuorum Local = HealthQuorum::Local;
constexpr HealthQuorum Any = HealthQuorum::Any;
constexpr HealthQuorum Most = HealthQuorum::Majority;
constexpr HealthQuorum All = HealthQuorum::All;
const std::optional<Tally> Alone = std::nullopt;  // standalone: no votes
std::optional<Tally> votes(int voters, int down) {
    return Tally{voters, down};
}

const FailureReason None = FailureReason::None;
const FailureReason Timeout = FailureReason::Timeout;
const FailureReason Json = FailureReason::JsonMismatch;
const FailureReason Quorum = FailureReason::QuorumDown;
const FailureReason Dep = FailureReason::DependencyDown;

struct Row {
    // In: its own state, reason and detail; the quorum and the votes; its dependencies.
    MemberState own;
    FailureReason own_reason;
    uint16_t own_detail;
    HealthQuorum quorum;
    std::optional<Tally> votes;
    std::vector<MemberState> dependencies;
    // Out: the published state, reason and detail.
    MemberState state;
    FailureReason reason;
    uint16_t detail;
    const char* what;
};

const Row kRows[] = {
    // Its own checks alone.
    {U, None, 0, Local, Alone, {}, U, None, 0, "up"},
    {D, Json, 2, Local, Alone, {}, D, Json, 2, "down, with its failure"},
    {U, Timeout, 0, Local, Alone, {}, U, Timeout, 0, "up while retries last: the failure shows"},
    {Q, None, 0, Local, Alone, {}, Q, None, 0, "not judged yet"},

    // The cluster's votes.
    {U, None, 0, Local, votes(3, 3), {}, U, None, 0, "a local quorum ignores the votes"},
    {U, None, 0, Most, Alone, {}, U, None, 0, "standalone: no votes"},
    {D, Timeout, 0, Most, votes(0, 0), {}, D, Timeout, 0, "no live voters: it decides alone"},
    {U, None, 0, Most, votes(3, 2), {}, D, Quorum, 2, "a majority down outvotes it down"},
    {D, Timeout, 0, Most, votes(3, 1), {}, U, Timeout, 0, "outvoted up: its failure kept"},
    {U, None, 0, Most, votes(4, 2), {}, U, None, 0, "half is not a majority"},
    {U, None, 0, Any, votes(3, 1), {}, D, Quorum, 1, "any: one vote down is enough"},
    {D, Timeout, 0, All, votes(3, 2), {}, U, Timeout, 0, "all: one vote up keeps it up"},
    {U, None, 0, All, votes(3, 3), {}, D, Quorum, 3, "all: every vote down"},
    {D, Json, 1, Most, votes(3, 3), {}, D, Json, 1, "agreeing votes keep its own reason"},
    {Q, None, 0, Any, votes(3, 3), {}, Q, None, 0, "not judged yet, whatever the votes"},

    // Its dependencies.
    {U, None, 0, Local, Alone, {U, U}, U, None, 0, "dependencies up"},
    {U, None, 0, Local, Alone, {U, D}, D, Dep, 1, "a dependency down: down, naming it"},
    {U, None, 0, Local, Alone, {Q, D, D}, D, Dep, 1, "the first dependency down is named"},
    {U, None, 0, Local, Alone, {Q}, U, None, 0, "an unjudged dependency is not down"},
    {D, Timeout, 0, Local, Alone, {D}, D, Timeout, 0, "down on its own: its own reason"},
    {Q, None, 0, Local, Alone, {D}, Q, None, 0, "not judged yet: not downed by one"},
    {D, Timeout, 0, Most, votes(3, 1), {D}, D, Dep, 0, "outvoted up, then down by a dependency"},
    {U, None, 0, Most, votes(3, 2), {D}, D, Quorum, 2, "outvoted down: the votes count"},
};

std::string name(MemberState s) {
    return s == U ? "up" : s == D ? "down" : "unknown";
}

}  // namespace

TEST_CASE("verdict: own checks, then the votes, then the dependencies") {
    for (const Row& row : kRows) {
        INFO(row.what);
        VerdictInputs in;
        in.own = row.own;
        in.own_reason = row.own_reason;
        in.own_detail = row.own_detail;
        in.quorum = row.quorum;
        in.votes = row.votes;
        in.dependencies = row.dependencies;
        Verdict v = composeVerdict(in);
        CHECK(name(v.state) == name(row.state));
        CHECK(int(v.reason) == int(row.reason));
        CHECK(v.detail == row.detail);
        CHECK(v.admin == AdminOverride::None);
        CHECK(v.hold == PolicyHold::None);
    }
}

TEST_CASE("verdict: the override and the hold are carried, never decided by the probes") {
    const AdminOverride admins[] = {AdminOverride::None, AdminOverride::ForcedUp,
                                    AdminOverride::ForcedDown, AdminOverride::Drain};
    const PolicyHold holds[] = {PolicyHold::None, PolicyHold::FailoverAfter,
                                PolicyHold::AwaitingApproval, PolicyHold::HeldOff,
                                PolicyHold::Maintenance};
    std::vector<MemberState> down_dependency = {D};
    for (AdminOverride admin : admins) {
        for (PolicyHold hold : holds) {
            INFO("admin " << int(admin) << " hold " << int(hold));
            VerdictInputs in;
            in.own = U;
            in.dependencies = down_dependency;
            in.admin = admin;
            in.hold = hold;
            Verdict v = composeVerdict(in);
            CHECK(v.state == D);  // the probes' part is decided as without them
            CHECK(v.reason == Dep);
            CHECK(v.admin == admin);
            CHECK(v.hold == hold);
        }
    }
}

TEST_CASE("verdict: what the backend answers of it (hold, then override, then state)") {
    struct Answer {
        MemberState own;
        AdminOverride admin;
        PolicyHold hold;
        bool answerable;
    };
    const Answer rows[] = {
        {U, AdminOverride::None, PolicyHold::None, true},
        {D, AdminOverride::None, PolicyHold::None, false},
        {D, AdminOverride::ForcedUp, PolicyHold::None, true},
        {U, AdminOverride::Drain, PolicyHold::None, false},
        {U, AdminOverride::ForcedDown, PolicyHold::None, false},
        {D, AdminOverride::None, PolicyHold::FailoverAfter, true},
        {D, AdminOverride::Drain, PolicyHold::AwaitingApproval, true},
        {U, AdminOverride::ForcedUp, PolicyHold::HeldOff, false},
        {U, AdminOverride::None, PolicyHold::Maintenance, false},
        {Q, AdminOverride::None, PolicyHold::None, false},
    };
    for (const Answer& row : rows) {
        INFO(name(row.own) << " admin " << int(row.admin) << " hold " << int(row.hold));
        VerdictInputs in;
        in.own = row.own;
        in.admin = row.admin;
        in.hold = row.hold;
        CHECK(composeVerdict(in).answerable() == row.answerable);
    }
}
