// The WorkerLink of a real worker: a ChildProcess with Node's IPC channel, requests carried by the
// channel's request convention.
#pragma once

#include <memory>

#include "ipcxx/worker_pool.hpp"
#include "pool/worker_link.hpp"

namespace asio {
class io_context;
}

namespace ipcxx::detail {

// Makes the links of a pool's workers: each starts options.program with the channel at the first
// descriptor past options.spawn.stdio. `io` is the pool's io_context (`keepalive` its thread, or null).
WorkerLinkFactory child_worker_links(asio::io_context& io, const std::shared_ptr<void>& keepalive,
                                     const WorkerPoolOptions& options);

}  // namespace ipcxx::detail
