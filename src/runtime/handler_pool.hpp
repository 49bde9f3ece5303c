// Threads of their own for handlers (Config::handler_threads), so that long handlers never hold up
// the I/O thread: its reads, writes, heartbeats and timers. Each connection gets a lane (a strand
// on the pool): its handlers run one at a time, in the order of its messages.
#pragma once

#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/strand.hpp>

#include "runtime/strand.hpp"

namespace ipcxx::detail {

class HandlerPool : public std::enable_shared_from_this<HandlerPool> {
public:
    using Lane = Strand;

    static std::shared_ptr<HandlerPool> start(std::size_t threads);
    HandlerPool(const HandlerPool&) = delete;
    HandlerPool& operator=(const HandlerPool&) = delete;

    Lane make_lane() { return asio::make_strand(io_); }
    // True on one of this pool's threads.
    bool in_pool() const noexcept;

    // No new work is awaited: the threads end once what is queued has run. Waits for them, except
    // when called from one of them (inside a handler): then they are detached and keep this
    // object alive until they end. Once.
    void finish();

private:
    HandlerPool() = default;

    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> guard_{io_.get_executor()};
    std::vector<std::thread> threads_;
};

}  // namespace ipcxx::detail
