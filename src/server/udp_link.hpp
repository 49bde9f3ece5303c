// The Socket link of a UDP sender (server/socket_link.hpp): emit sends it a datagram through its
// endpoint, disconnect drops it from the broadcast list, connected is true while the endpoint runs.
#pragma once

#include <memory>

#include "ipcxx/socket.hpp"

namespace ipcxx::detail {

struct UdpPeer;

// A handle on the sender `peer`.
Socket udp_socket(std::shared_ptr<UdpPeer> peer);

}  // namespace ipcxx::detail
