#pragma once
// pharosctl's exit status, as its manual page's EXIT STATUS (docs/man/pharosctl.8.txt) has it.

namespace pharos::ctl {

constexpr int kExitOk = 0;
// A problem found: the configuration has errors, validate found some, a name or pool is
// unknown, the backend fails open (status), pharos-health refused a command or a reload, or
// this user may not use its control socket.
constexpr int kExitProblem = 1;
// A bad command line: unknown command or option, missing or extra argument, a bad value.
constexpr int kExitUsage = 2;
// pharos-health's control socket is missing, refuses the connection or does not answer.
constexpr int kExitUnreachable = 3;

}  // namespace pharos::ctl
