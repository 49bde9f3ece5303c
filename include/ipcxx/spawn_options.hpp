// What a child process is started with: program, environment, stdio, session, credentials, limits.
#pragma once

#include <chrono>
#include <csignal>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "ipcxx/channel_serialization.hpp"

namespace ipcxx {

/// What one descriptor of the child is connected to (Node's `stdio` entries).
class StdioSlot {
public:
    /// The kinds of slot.
    enum class Kind {
        pipe,     ///< a stream to the parent (a socketpair, as Node's): fd 0 written, others read
        inherit,  ///< the parent's own descriptor of the same number
        ignore,   ///< fds 0-2: /dev/null; above: closed in the child
        fd,       ///< a descriptor of the caller's, duplicated into the child
        ipc,      ///< Node's IPC channel (a socketpair; ChildProcess::channel()); at most one
    };

    /// A pipe to the parent.
    static StdioSlot pipe() { return StdioSlot(Kind::pipe, -1); }
    /// The parent's descriptor of the same number.
    static StdioSlot inherit() { return StdioSlot(Kind::inherit, -1); }
    /// /dev/null (fds 0-2) or closed (above).
    static StdioSlot ignore() { return StdioSlot(Kind::ignore, -1); }
    /// The caller's descriptor `fd`; it stays the caller's (the child gets a duplicate).
    static StdioSlot from_fd(int fd) { return StdioSlot(Kind::fd, fd); }
    /// Node's IPC channel at this index (at most one slot): the child gets NODE_CHANNEL_FD set to the
    /// slot index and NODE_CHANNEL_SERIALIZATION_MODE naming SpawnOptions::serialization, so that
    /// `node child.js` has process.send; the parent's end is ChildProcess::channel().
    static StdioSlot ipc() { return StdioSlot(Kind::ipc, -1); }

    /// The slot's kind.
    Kind kind() const noexcept { return kind_; }
    /// The caller's descriptor of a Kind::fd slot, else -1.
    int fd() const noexcept { return fd_; }

private:
    StdioSlot(Kind kind, int fd) : kind_(kind), fd_(fd) {}
    Kind kind_;
    int fd_;
};

/// How the child's environment is made.
enum class EnvMode {
    inherit,  ///< the parent's environment, with SpawnOptions::env's entries added or replaced
    replace,  ///< SpawnOptions::env alone
};

/// What happens to a still-running child when its ChildProcess is destroyed.
enum class OnDestroy {
    kill,    ///< it is sent SIGKILL, then reaped by the I/O thread
    detach,  ///< it keeps running; the I/O thread reaps it when it exits (see docs/processes.md)
};

/// How to start a child (Node's spawn options).
struct SpawnOptions {
    /// Working directory of the child; empty: the parent's.
    std::string cwd;
    /// How the environment is made from `env`.
    EnvMode env_mode = EnvMode::inherit;
    /// Variables set in the child (NAME -> value).
    std::map<std::string, std::string> env;
    /// Variables removed from an inherited environment.
    std::vector<std::string> unset_env;
    /// argv[0] as the child sees it; unset: the program as given.
    std::optional<std::string> argv0;
    /// One slot per child descriptor, from 0; descriptors past the list are closed in the child.
    std::vector<StdioSlot> stdio{StdioSlot::pipe(), StdioSlot::pipe(), StdioSlot::pipe()};
    /// A session of its own (setsid): the child leads a new process group, which kill_group() signals.
    bool detached = false;
    /// Run through `shell_path -c "<program> <args...>"`. Never with untrusted text: see
    /// docs/processes.md. Without it the argument vector goes to the program as it is.
    bool shell = false;
    /// The shell used when `shell` is set.
    std::string shell_path = "/bin/sh";
    /// Run as this user (the process is then started with fork() instead of posix_spawn()).
    std::optional<uid_t> uid;
    /// Run as this group (likewise, with supplementary groups cleared).
    std::optional<gid_t> gid;
    /// Killed with `kill_signal` when still running after this long; zero: no limit.
    std::chrono::milliseconds timeout{0};
    /// The signal of `timeout` (Node's killSignal).
    int kill_signal = SIGTERM;
    /// What the destructor does to a running child.
    OnDestroy on_destroy = OnDestroy::kill;
    /// Bytes write() may hold for stdin before it refuses with errc::queue_full.
    std::size_t max_stdin_queue = 1024 * 1024;
    /// The framing of the StdioSlot::ipc() channel, both ends (Node's `serialization`): the child is
    /// told it in NODE_CHANNEL_SERIALIZATION_MODE. Ignored without an ipc slot.
    ChannelSerialization serialization = ChannelSerialization::json;
};

}  // namespace ipcxx
