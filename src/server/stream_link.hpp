// The Socket link of a stream connection (server/socket_link.hpp).
#pragma once

#include <memory>

#include "ipcxx/socket.hpp"

namespace ipcxx::detail {

class ServerConnection;

// A handle on `conn`.
Socket stream_socket(std::shared_ptr<ServerConnection> conn);
// The connection `socket` names, or null when it names none (empty, or a UDP sender).
std::shared_ptr<ServerConnection> connection_of(const Socket& socket);
// Whether `socket` is a handle on `conn` (without the reference count connection_of takes).
bool names_connection(const Socket& socket, const ServerConnection& conn) noexcept;

}  // namespace ipcxx::detail
