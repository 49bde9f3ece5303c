// ChildProcess: a program started as a child, with Node's events (spawn, error, exit, close), its
// stdio as data events and a bounded stdin, exit seen through a pidfd (no SIGCHLD handler).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <sys/types.h>

#include "ipcxx/channel.hpp"
#include "ipcxx/export.hpp"
#include "ipcxx/spawn_options.hpp"

namespace asio {
class io_context;
}

namespace ipcxx {

namespace detail {
class ProcessImpl;
}

/// How a child ended (Node's `exit(code, signal)`): one of the two is set, or neither when the
/// status could not be read (someone else reaped the child, e.g. SIGCHLD set to SIG_IGN).
struct ExitStatus {
    std::optional<int> code;    ///< the exit code; after a failed spawn, minus the errno (as Node)
    std::optional<int> signal;  ///< the signal that ended it
    bool timed_out = false;     ///< it was killed by SpawnOptions::timeout
};

/// The name of a signal ("SIGTERM"), or its number as text when it has none.
IPCXX_API std::string signal_name(int signal);

/// A failure reported by a ChildProcess `error` event.
struct ProcessError {
    /// An ipcxx::errc: spawn_failed, undelivered (stdin), process_exited, ...
    std::error_code code;
    /// The system error behind it, if any (ENOENT for a missing program).
    std::error_code cause;
    /// One line naming what failed, with the errno's name ("spawn nope: ENOENT (No such file ...)").
    std::string message;
};

/// A child process, started by spawn(). Events, in Node's names and order:
/// @verbatim
///   spawn   ()                  the program started
///   error   (const ProcessError&)  spawn failed (no spawn event then), stdin failed, a handler threw
///   exit    (ExitStatus)        the child ended (its output may still be arriving)
///   close   (ExitStatus)        after exit and the end of every piped stream; the last event
///   data    (fd, bytes)         output on a piped descriptor other than 0 (on_stdout: fd 1)
///   drain   ()                  the stdin queue emptied after write() refused with queue_full
/// @endverbatim
/// A failed spawn gives `error` then `close` with code = -errno.
///
/// Handlers are set before spawn() and run on the I/O thread (the library's process thread, or
/// the caller's io_context), one at a time. The exit is read from a pidfd waited on by Asio: no
/// SIGCHLD handler is installed, so an application's own keeps working. Every child is reaped.
///
/// Thread safety: spawn, kill, kill_group, write, end_stdin, pid and the destructor are safe from
/// any thread, including from inside a handler.
class IPCXX_API ChildProcess {
public:
    /// Runs on the library's process I/O thread (one for all ChildProcess objects made this way).
    ChildProcess();
    /// Runs on the caller's io_context, which must be run for events to arrive and children to be
    /// reaped.
    explicit ChildProcess(asio::io_context& io);
    /// Kills or detaches a running child (SpawnOptions::on_destroy); no handler runs after this
    /// returns (one running on another thread is waited for). The child is reaped all the same.
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    /// Handler of `spawn`.
    void on_spawn(std::function<void()> handler);
    /// Handler of `error`.
    void on_error(std::function<void(const ProcessError&)> handler);
    /// Handler of `exit`.
    void on_exit(std::function<void(ExitStatus)> handler);
    /// Handler of `close`.
    void on_close(std::function<void(ExitStatus)> handler);
    /// Handler of `data` on every piped descriptor but 0.
    void on_data(std::function<void(int fd, std::string_view bytes)> handler);
    /// Handler of `data` on fd 1 (replaces on_data's handler for fd 1).
    void on_stdout(std::function<void(std::string_view bytes)> handler);
    /// Handler of `data` on fd 2 (replaces on_data's handler for fd 2).
    void on_stderr(std::function<void(std::string_view bytes)> handler);
    /// Handler of `drain`.
    void on_drain(std::function<void()> handler);

    /// Starts `program` with `args` (argv[1..]); a name without '/' is looked up in the parent's
    /// PATH. Returns errc::invalid_argument for bad options or a second call; every other failure
    /// (a missing program: ENOENT) is an `error` event.
    std::error_code spawn(const std::string& program, const std::vector<std::string>& args = {},
                          const SpawnOptions& options = {});

    /// The child's pid once spawned (stays set after exit), else -1.
    pid_t pid() const noexcept;
    /// Sends `signal` through the pidfd (no pid-reuse race). errc::process_exited once the child
    /// is reaped or was never started.
    std::error_code kill(int signal = SIGTERM);
    /// Sends `signal` to the child's process group (SpawnOptions::detached only, else
    /// errc::invalid_argument), reaching its descendants too.
    std::error_code kill_group(int signal = SIGTERM);

    /// Queues `bytes` for the child's stdin (a pipe slot 0). errc::queue_full when the queue would
    /// pass max_stdin_queue (nothing queued; `drain` follows when it empties), errc::not_connected
    /// after end_stdin() or the end of the stream.
    std::error_code write(std::string_view bytes);
    /// Closes stdin once what is queued is written (the child reads EOF).
    void end_stdin();

    /// The parent's end of the IPC channel of a StdioSlot::ipc() slot. Set its handlers before
    /// spawn(), which starts it. Its `disconnect` is the child's (Node's order: `spawn`, messages,
    /// `disconnect`, `exit`, `close`), and `close` waits for it. Its framing is the one of
    /// SpawnOptions::serialization, fixed by spawn(); until then, and without an ipc slot, it is
    /// unconnected: send gives errc::not_connected.
    Channel& channel() noexcept;

private:
    std::shared_ptr<detail::ProcessImpl> impl_;
    std::unique_ptr<Channel> channel_;
};

}  // namespace ipcxx
