// Buffered and synchronous forms of running a child (Node's execFile / exec / spawnSync): the
// whole output collected, bounded by max_buffer.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <system_error>
#include <vector>

#include "ipcxx/child_process.hpp"
#include "ipcxx/export.hpp"
#include "ipcxx/spawn_options.hpp"

namespace asio {
class io_context;
}

namespace ipcxx {

/// Options of exec_file, exec and spawn_sync: SpawnOptions (fd 0-2 are pipes whatever `stdio`
/// says) plus the output limit and stdin's content.
struct ExecOptions : SpawnOptions {
    /// Bytes kept of stdout, and of stderr, each; past it the child is killed with kill_signal
    /// and the result's error is errc::max_buffer_exceeded (Node's maxBuffer, default 1 MiB).
    std::size_t max_buffer = 1024 * 1024;
    /// Written to the child's stdin, which is then closed.
    std::string input;
};

/// What a buffered run ended with.
struct ExecResult {
    /// Empty on exit code 0. Else spawn_failed, process_failed (non-zero code or a signal),
    /// process_timeout or max_buffer_exceeded (the child was killed).
    std::error_code error;
    /// The system error behind `error`, if any (ENOENT for a missing program).
    std::error_code cause;
    /// One line naming what went wrong ("stdout exceeded max_buffer (1048576 bytes) ..."), or empty.
    std::string message;
    /// How the child ended.
    ExitStatus status;
    /// What it wrote to stdout (at most max_buffer bytes).
    std::string out;
    /// What it wrote to stderr (at most max_buffer bytes).
    std::string err;
    /// Its pid (-1 if it did not start).
    pid_t pid = -1;
};

/// Runs `program` with `args` (never through a shell unless options.shell) and calls `done`
/// once, on the library's process I/O thread, after the child's `close`.
IPCXX_API void exec_file(const std::string& program, const std::vector<std::string>& args, const ExecOptions& options,
               std::function<void(ExecResult)> done);
/// The same on the caller's io_context.
IPCXX_API void exec_file(asio::io_context& io, const std::string& program, const std::vector<std::string>& args,
               const ExecOptions& options, std::function<void(ExecResult)> done);
/// Runs `command` through options.shell_path (Node's exec). The command is shell text: never
/// build it from untrusted input (docs/processes.md).
IPCXX_API void exec(const std::string& command, const ExecOptions& options, std::function<void(ExecResult)> done);
/// Runs `program` and blocks the calling thread until it has ended and its output is read (Node's
/// spawnSync); uses an io_context of its own, so it is safe on any thread.
IPCXX_API ExecResult spawn_sync(const std::string& program, const std::vector<std::string>& args = {},
                      const ExecOptions& options = {});

}  // namespace ipcxx
