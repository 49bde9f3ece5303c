// Serving and connecting over either transport, for tests that run over both.
#pragma once

#include <string>

#include "ipcxx/ipcxx.hpp"
#include "support/raw_peer.hpp"

namespace test {

enum class Transport { unix_socket, tcp };

inline const char* name(Transport t) { return t == Transport::tcp ? "tcp" : "unix"; }

inline void serve(ipcxx::Server& server, Transport t, std::uint16_t port = 0) {
    if (t == Transport::tcp) {
        server.serve_net("127.0.0.1", port);
    } else {
        server.serve();
    }
}

inline void connect(ipcxx::Client& client, Transport t, std::uint16_t port, const std::string& id = "world") {
    if (t == Transport::tcp) {
        client.connect_to_net(id, "127.0.0.1", port);
    } else {
        client.connect_to(id);
    }
}

// A bare socket to the server, for bytes no library would send.
inline RawPeer raw_to(ipcxx::Server& server, Transport t) {
    return t == Transport::tcp ? RawPeer::tcp(server.port()) : RawPeer::unix_socket(server.path());
}

}  // namespace test
