// Sockets for the raw floor of the idle benchmark.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <cstring>

#include "idle.hpp"

namespace raw_idle {

constexpr std::size_t message_size = 8;

// A socket address for the endpoint; `length` is its size.
inline sockaddr_storage address_of(const idle::Options& o, socklen_t& length) {
    sockaddr_storage storage{};
    if (o.tcp()) {
        auto* in = reinterpret_cast<sockaddr_in*>(&storage);
        in->sin_family = AF_INET;
        in->sin_port = htons(o.port());
        if (::inet_pton(AF_INET, o.host().c_str(), &in->sin_addr) != 1) idle::fail("bad address " + o.host());
        length = sizeof(sockaddr_in);
    } else {
        auto* un = reinterpret_cast<sockaddr_un*>(&storage);
        un->sun_family = AF_UNIX;
        if (o.endpoint.size() >= sizeof un->sun_path) idle::fail("socket path too long");
        std::memcpy(un->sun_path, o.endpoint.c_str(), o.endpoint.size() + 1);
        length = sizeof(sockaddr_un);
    }
    return storage;
}

inline int listen_on(const idle::Options& o) {
    socklen_t length = 0;
    const auto address = address_of(o, length);
    const int fd = ::socket(o.tcp() ? AF_INET : AF_UNIX, SOCK_STREAM, 0);
    const int one = 1;
    if (o.tcp()) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), length) != 0) idle::fail("bind");
    if (::listen(fd, 4096) != 0) idle::fail("listen");
    return fd;
}

// A blocking connect: the client opens its connections one after another.
inline int connect_to(const idle::Options& o) {
    socklen_t length = 0;
    const auto address = address_of(o, length);
    const int fd = ::socket(o.tcp() ? AF_INET : AF_UNIX, SOCK_STREAM, 0);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), length) != 0) idle::fail("connect");
    return fd;
}

}  // namespace raw_idle
