// The library's I/O thread for child processes made without an io_context: one for all of them,
// started on first use and ended when nothing holds it (no ChildProcess, no child left to reap).
#pragma once

#include <memory>

#include "ipcxx/detail/shared_io.hpp"

namespace ipcxx::detail {

// The thread's io_context; `keepalive` keeps the thread running.
SharedIo process_io();

}  // namespace ipcxx::detail
