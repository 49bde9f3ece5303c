// Through syscall(): glibc 2.36's <sys/pidfd.h> lacks extern "C" and does not link from C++.
#include "process/pidfd.hpp"

#include <cerrno>
#include <csignal>

#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ipcxx::detail {

int open_pidfd(pid_t pid, std::error_code& error) {
    // A pidfd is always close-on-exec, so later children never inherit it.
    const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (fd < 0) error = std::error_code(errno, std::system_category());
    return fd;
}

std::error_code signal_pidfd(int pidfd, int signal) {
    if (::syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0) < 0) {
        return {errno, std::system_category()};
    }
    return {};
}

ReapResult reap_pidfd(int pidfd, ExitStatus& status) {
    siginfo_t info{};
    int rc;
    do {
        rc = ::waitid(P_PIDFD, static_cast<id_t>(pidfd), &info, WEXITED | WNOHANG);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) return ReapResult::unknown;
    if (info.si_pid == 0) return ReapResult::running;
    if (info.si_code == CLD_EXITED) {
        status.code = info.si_status;
    } else {
        status.signal = info.si_status;
    }
    return ReapResult::reaped;
}

}  // namespace ipcxx::detail
