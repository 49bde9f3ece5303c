// A child's pidfd: open it, signal through it, reap through it (Linux 5.4+), with no SIGCHLD handler.
#pragma once

#include <system_error>

#include <sys/types.h>

#include "ipcxx/child_process.hpp"

namespace ipcxx::detail {

// A CLOEXEC pidfd for `pid`, or -1 with `error` set.
int open_pidfd(pid_t pid, std::error_code& error);

// pidfd_send_signal: no race with pid reuse, as the pidfd names this one process.
std::error_code signal_pidfd(int pidfd, int signal);

enum class ReapResult { running, reaped, unknown };

// waitid(P_PIDFD, WEXITED | WNOHANG): `status` is filled when reaped; `unknown` when the child
// was reaped by someone else (ECHILD, as when SIGCHLD is SIG_IGN).
ReapResult reap_pidfd(int pidfd, ExitStatus& status);

}  // namespace ipcxx::detail
