// Where a server's connections run (Config::io_threads): the server's own io_context, plus
// io_threads - 1 I/O threads of their own started here, each with its own reactor. A connection is
// placed on one of them when it arrives and stays there for its life, so that its handlers still run
// one at a time and in order; different connections may run in parallel.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include <asio/io_context.hpp>

#include "runtime/io_thread.hpp"
#include "runtime/strand.hpp"
#include "transport/endpoint.hpp"

namespace ipcxx::detail {

class ConnectionThreads {
public:
    // Where one connection runs: a new strand on one of the io_contexts, and what keeps that
    // io_context's thread alive while the connection lives.
    struct Place {
        Strand strand;
        std::shared_ptr<void> keepalive;
    };

    // `first`: the server's own io_context and its keepalive (null on a caller's io_context);
    // `count` - 1 more threads are started, each busy polling for `busy_poll` as IoThread does.
    ConnectionThreads(asio::io_context& first, std::shared_ptr<void> first_keepalive, std::size_t count,
                      std::chrono::microseconds busy_poll);

    std::size_t size() const noexcept { return 1 + started_.size(); }
    // The next io_context in turn (round robin: with connections of similar weight, as even as
    // least-loaded, at one atomic increment). Any thread.
    Place next();
    // Re-homes an accepted socket onto `strand`'s io_context (the same descriptor, registered with
    // that thread's reactor instead). On failure the socket is left as it was.
    static std::error_code move_to(GenericSocket& socket, const Strand& strand);
    // True on a thread that runs any of the io_contexts.
    bool running_in_this_thread() const noexcept;
    // The threads started here, for the owner's release_server_threads().
    const std::vector<std::shared_ptr<IoThread>>& started() const noexcept { return started_; }

private:
    asio::io_context& first_;
    const std::shared_ptr<void> first_keepalive_;
    std::vector<std::shared_ptr<IoThread>> started_;
    std::atomic<std::size_t> turn_{0};
};

// release() (runtime/io_thread.hpp) for a server's threads: `own`, the server's own I/O thread
// (null on Ipc's thread or a caller's io_context), and those `threads` started. From a thread
// that runs none of them: every thread runs the shutdown to its end, then `close_events`. From
// inside a handler on any of them: `close_events` at once (it waits for handlers running on the
// others), then the others end and the calling thread is let go.
void release_server_threads(const std::shared_ptr<IoThread>& own, const ConnectionThreads& threads,
                            const std::function<void()>& close_events);

}  // namespace ipcxx::detail
