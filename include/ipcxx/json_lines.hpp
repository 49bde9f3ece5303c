// JSON lines over stdio: a Channel over a child's stdin and stdout, and over one's own, for the
// many tools that speak one JSON value per line instead of Node's IPC channel.
#pragma once

#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "ipcxx/channel.hpp"
#include "ipcxx/child_process.hpp"
#include "ipcxx/export.hpp"
#include "ipcxx/spawn_options.hpp"

namespace asio {
class io_context;
}

namespace ipcxx {

/// Starts `program` (as ChildProcess::spawn) with its stdin and stdout connected to the returned
/// Channel: each message sent is written to the child's stdin as one JSON line, each line the child
/// writes to its stdout is one message. `options.stdio[0]` and `[1]` are replaced (the list is made
/// at least two long); fd 2 and above stay as given, so the child's stderr is still a ChildProcess
/// `data` event, inherited or ignored. `child`'s other events (`spawn`, `error`, `exit`, `close`)
/// work as usual; its `write()` and on_stdout() do not apply (stdin and stdout are the channel's).
///
/// The channel's link is two descriptors: no descriptor can be sent (send(message, fd) is refused
/// with errc::invalid_argument). A line on the child's stdout that is not one JSON value is an
/// `error` event naming it (invalid_json, with the line number); the channel reads on, or closes
/// when ChannelOptions::close_on_bad_input is set. When the child closes its stdout (or exits) the
/// channel writes what it accepted (the child's stdin may still be read), then closes it, and
/// `disconnect` follows; disconnect() writes what was accepted, then closes the child's stdin (the
/// child reads EOF).
///
/// The channel runs on the library's process I/O thread (the ChildProcess(io) overload: on `io`);
/// set its handlers, then call start(). `child`'s `close` does not wait for the channel, which
/// ends on its own when the child's stdout closes.
///
/// Returns null with `ec` set when spawn() refuses (errc::invalid_argument: a second spawn, bad
/// options) or the descriptors could not be made; a program that cannot start is `child`'s
/// `error` event, and the channel then ends at once.
IPCXX_API std::unique_ptr<Channel> spawn_json_lines(ChildProcess& child, const std::string& program,
                                                    const std::vector<std::string>& args, SpawnOptions options,
                                                    std::error_code& ec, ChannelOptions channel_options = {});
/// The same with the channel on the caller's io_context (give `child` the same one), which must
/// outlive the channel and be run.
IPCXX_API std::unique_ptr<Channel> spawn_json_lines(asio::io_context& io, ChildProcess& child,
                                                    const std::string& program,
                                                    const std::vector<std::string>& args, SpawnOptions options,
                                                    std::error_code& ec, ChannelOptions channel_options = {});

/// This process's own stdin and stdout as a JSON-lines channel, for a program run by any parent
/// that speaks JSON lines (a Node.js program using readline and console.log, a shell pipeline, a
/// file redirected to stdin).
///
/// The channel takes descriptors 0 and 1 for itself: it reads and writes copies of them, and the
/// process's own fd 0 becomes /dev/null and fd 1 a copy of fd 2 (stderr), after stdout's buffer is
/// flushed. So a stray printf or std::cout goes to stderr instead of corrupting the stream, which
/// a JSON-lines peer could not parse. No descriptor can be sent (errc::invalid_argument).
///
/// At most one per process: a second call is errc::invalid_argument. errc::channel_fd_closed when
/// fd 0 or fd 1 is not open. Runs on the library's process I/O thread; call start() once the
/// handlers are set. The end of stdin ends only the input: every line read before it has been
/// handled, sends stay accepted until the queue is written out, then stdout is closed and
/// `disconnect` follows, as after disconnect(). So a filter fed by `printf ... | program` writes every
/// answer and can exit at `disconnect` (see docs/processes.md). Null on error.
IPCXX_API std::unique_ptr<Channel> stdio_channel(std::error_code& ec, ChannelOptions options = {});
/// The same, throwing ipcxx::Error.
IPCXX_API std::unique_ptr<Channel> stdio_channel(ChannelOptions options = {});
/// stdio_channel() run on the caller's io_context, which must outlive the channel and be run.
IPCXX_API std::unique_ptr<Channel> stdio_channel(asio::io_context& io, std::error_code& ec,
                                                 ChannelOptions options = {});

}  // namespace ipcxx
