// The socket address of a benchmark endpoint (tcp: HOST:PORT over IPv4; unix: a path), for the
// programs that open sockets themselves (the raw floors).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <string>

namespace bench {

// `o` has tcp(), host(), port() and endpoint; `fail` ends the program naming what was wrong.
// `length` receives the address's size.
template <class Options>
sockaddr_storage socket_address(const Options& o, socklen_t& length, void (*fail)(const std::string&)) {
    sockaddr_storage storage{};
    if (o.tcp()) {
        auto* in = reinterpret_cast<sockaddr_in*>(&storage);
        in->sin_family = AF_INET;
        in->sin_port = htons(o.port());
        if (::inet_pton(AF_INET, o.host().c_str(), &in->sin_addr) != 1) fail("bad address " + o.host());
        length = sizeof(sockaddr_in);
    } else {
        auto* un = reinterpret_cast<sockaddr_un*>(&storage);
        un->sun_family = AF_UNIX;
        if (o.endpoint.size() >= sizeof un->sun_path) fail("socket path too long: " + o.endpoint);
        else std::memcpy(un->sun_path, o.endpoint.c_str(), o.endpoint.size() + 1);
        length = sizeof(sockaddr_un);
    }
    return storage;
}

}  // namespace bench
