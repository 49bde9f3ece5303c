// A TCP (or Unix-socket) listener that accepts connections (in the kernel's backlog) and never
// answers: a peer that is not ipcxx, or one that hangs. accept() hands a connection to the test,
// to script a peer.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>

#include <poll.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "support/raw_peer.hpp"

namespace test {

class SilentListener {
public:
    SilentListener() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof(addr);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 && ::listen(fd_, 16) == 0 &&
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
            port_ = ntohs(addr.sin_port);
        }
    }
    // Listening at a Unix socket path instead.
    explicit SilentListener(const std::string& path) {
        fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
        listening_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 && ::listen(fd_, 16) == 0;
    }
    ~SilentListener() { ::close(fd_); }
    // Listening (for a Unix socket; a TCP listener has a port).
    bool listening() const { return listening_ || port_ != 0; }
    std::uint16_t port() const { return port_; }
    // The next connection, or a peer that is not connected() if none came within `timeout`.
    RawPeer accept(std::chrono::milliseconds timeout) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return RawPeer::adopt(-1);
        return RawPeer::adopt(::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC));
    }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
    bool listening_ = false;
};

}  // namespace test
