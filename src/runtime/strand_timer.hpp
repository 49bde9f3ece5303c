// The timer type of connections and clients: a steady timer on the io_context's own executor,
// each wait bound to a strand by its caller (asio::bind_executor). It is 48 bytes smaller than
// asio::steady_timer, whose polymorphic executor this would only duplicate (docs/memory.md).
#pragma once

#include <chrono>

#include <asio/basic_waitable_timer.hpp>
#include <asio/io_context.hpp>

namespace ipcxx::detail {

using StrandTimer = asio::basic_waitable_timer<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>,
                                               asio::io_context::executor_type>;

}  // namespace ipcxx::detail
