// fork + exec, for what posix_spawn cannot do (credentials). Between fork and exec only
// async-signal-safe calls: the parent may have other threads, whose locks the child inherits held.
#include <cerrno>
#include <csignal>

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "process/launch.hpp"

namespace ipcxx::detail {

namespace {

// Reports the errno to the parent through the close-on-exec pipe, and ends.
[[noreturn]] void fail(int report_fd) {
    const int code = errno;
    [[maybe_unused]] const auto written = ::write(report_fd, &code, sizeof code);
    ::_exit(127);
}

[[noreturn]] void run_child(const LaunchRequest& request, int report_fd, char* const* argv, char* const* envp) {
    if (request.detached && ::setsid() < 0) fail(report_fd);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) {
        if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &dfl, nullptr);
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);

    const int slots = static_cast<int>(request.stdio.size());
    for (int i = 0; i < slots; ++i) {
        const int source = request.stdio.child_source(static_cast<std::size_t>(i));
        if (source >= 0) {
            if (::dup2(source, i) < 0) fail(report_fd);
        } else {
            ::close(i);
        }
    }
    // Close-on-exec rather than closed: the report pipe must stay usable until the exec.
    if (::syscall(SYS_close_range, slots, ~0U, CLOSE_RANGE_CLOEXEC) < 0) fail(report_fd);
    if (!request.cwd.empty() && ::chdir(request.cwd.c_str()) < 0) fail(report_fd);
    // Supplementary groups of the parent would otherwise stay; refused without CAP_SETGID, as
    // libuv does that is not an error by itself (setgid / setuid then decide).
    ::setgroups(0, nullptr);
    if (request.gid && ::setgid(*request.gid) < 0) fail(report_fd);
    if (request.uid && ::setuid(*request.uid) < 0) fail(report_fd);
    if (request.command.file.find('/') == std::string::npos) {
        ::execvpe(request.command.file.c_str(), argv, envp);
    } else {
        ::execve(request.command.file.c_str(), argv, envp);
    }
    fail(report_fd);
}

}  // namespace

pid_t launch_with_fork(const LaunchRequest& request, std::error_code& error) {
    auto argv = c_strings(request.command.argv);
    auto envp = c_strings(request.environment);
    int report[2];
    if (::pipe2(report, O_CLOEXEC) < 0) {
        error = std::error_code(errno, std::system_category());
        return -1;
    }
    // Above the slots, so that moving them into place cannot overwrite it.
    const int floor = request.stdio.size() < 3 ? 3 : static_cast<int>(request.stdio.size());
    const int high = ::fcntl(report[1], F_DUPFD_CLOEXEC, floor);
    ::close(report[1]);
    report[1] = high;
    if (high < 0) {
        error = std::error_code(errno, std::system_category());
        ::close(report[0]);
        return -1;
    }
    const pid_t pid = ::fork();
    if (pid == 0) run_child(request, report[1], argv.data(), envp.data());
    ::close(report[1]);
    if (pid < 0) {
        error = std::error_code(errno, std::system_category());
        ::close(report[0]);
        return -1;
    }
    // EOF: the exec closed the pipe. An int: the child failed before it and has exited.
    int code = 0;
    ssize_t got;
    do {
        got = ::read(report[0], &code, sizeof code);
    } while (got < 0 && errno == EINTR);
    ::close(report[0]);
    if (got == static_cast<ssize_t>(sizeof code)) {
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        error = std::error_code(code, std::system_category());
        return -1;
    }
    return pid;
}

}  // namespace ipcxx::detail
