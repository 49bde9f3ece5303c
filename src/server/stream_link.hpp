// The Socket link of a stream connection (server/socket_link.hpp).
#pragma once

#include <memory>

#include "ipcxx/socket.hpp"

namespace ipcxx::detail {

class Connection;
class SocketLink;

const SocketLink& stream_link() noexcept;
// The connection `socket` names, or null when it names none (empty, or a UDP sender).
std::shared_ptr<Connection> connection_of(const Socket& socket);

}  // namespace ipcxx::detail
