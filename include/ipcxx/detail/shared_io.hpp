// An I/O thread shared by several servers and clients (ipcxx::Ipc's).
#pragma once

#include <memory>

namespace asio {
class io_context;
}

namespace ipcxx::detail {

// An io_context run by a thread that `keepalive` keeps alive (ipcxx::Ipc's).
struct SharedIo {
    asio::io_context& io;
    std::shared_ptr<void> keepalive;
};

}  // namespace ipcxx::detail
