// Sockets for the raw floor of the idle benchmark.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <cstring>

#include "idle.hpp"
#include "socket_address.hpp"

namespace raw_idle {

constexpr std::size_t message_size = 8;


inline int listen_on(const idle::Options& o) {
    socklen_t length = 0;
    const auto address = bench::socket_address(o, length, idle::fail);
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
    const auto address = bench::socket_address(o, length, idle::fail);
    const int fd = ::socket(o.tcp() ? AF_INET : AF_UNIX, SOCK_STREAM, 0);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), length) != 0) idle::fail("connect");
    return fd;
}

}  // namespace raw_idle
