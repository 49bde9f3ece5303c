// One child process: its launch, exit (pidfd), stdio streams, stdin queue, timeout and events.
// Everything after spawn() runs on strand_; kill and write come from any thread.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

#include <asio/local/stream_protocol.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>

#include "ipcxx/child_process.hpp"
#include "process/process_handlers.hpp"
#include "process/stdin_queue.hpp"
#include "runtime/strand.hpp"

namespace ipcxx::detail {

class ChannelImpl;

class ProcessImpl : public std::enable_shared_from_this<ProcessImpl> {
public:
    // `keepalive` holds the thread running `io` (the process thread), or is null.
    ProcessImpl(asio::io_context& io, std::shared_ptr<void> keepalive);

    ProcessHandlers& handlers() { return handlers_; }
    // The parent's end of an ipc slot goes to `channel`; before spawn().
    void set_channel(std::shared_ptr<ChannelImpl> channel) { channel_ = std::move(channel); }

    std::error_code spawn(const std::string& program, const std::vector<std::string>& args,
                          const SpawnOptions& options);
    pid_t pid() const noexcept { return pid_.load(); }
    std::error_code kill(int signal);
    std::error_code kill_group(int signal);
    std::error_code write(std::string_view bytes);
    void end_stdin();
    // The owner is gone: no more handlers; the child is killed or left running as configured,
    // and reaped either way by the pending exit wait, which keeps this object alive.
    void destroy();

private:
    struct Reader {
        explicit Reader(asio::io_context& io) : socket(io) {}
        asio::local::stream_protocol::socket socket;
        std::array<char, 64 * 1024> buffer{};
    };

    void fail_spawn(const std::string& program, std::error_code cause);
    void start();
    void wait_exit();
    void on_exit_ready();
    void read(int fd);
    void pump_stdin();
    void close_stdin();
    void maybe_close();

    // First: the thread must outlive every Asio object below.
    std::shared_ptr<void> keepalive_;
    asio::io_context& io_;
    Strand strand_;
    ProcessHandlers handlers_;

    std::atomic<pid_t> pid_{-1};
    std::atomic<bool> spawned_{false};
    SpawnOptions options_;

    std::mutex mutex_;  // pidfd_ (signals from any thread against the reap on the strand)
    int pidfd_ = -1;    // -1 before spawn and once reaped
    asio::posix::stream_descriptor exit_wait_;

    // On the strand.
    std::vector<std::unique_ptr<Reader>> readers_;  // by fd; null where no pipe is read
    int open_readers_ = 0;  // with the channel of an ipc slot, which `close` waits for too
    std::shared_ptr<ChannelImpl> channel_;
    std::unique_ptr<asio::local::stream_protocol::socket> stdin_;
    StdinQueue stdin_queue_;
    bool writing_ = false;
    asio::steady_timer timeout_;
    bool timed_out_ = false;
    bool exited_ = false;
    bool closed_ = false;
    ExitStatus status_;
};

}  // namespace ipcxx::detail
