// A bare socket peer for feeding a server bytes no library would send.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace test {

class RawPeer {
public:
    static RawPeer unix_socket(const std::string& path) {
        RawPeer peer(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
        peer.connected_ = ::connect(peer.fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
        return peer;
    }
    static RawPeer tcp(std::uint16_t port) {
        RawPeer peer(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        peer.connected_ = ::connect(peer.fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
        return peer;
    }
    // Takes over a connected descriptor (from accept()).
    static RawPeer adopt(int fd) {
        RawPeer peer(fd);
        peer.connected_ = fd >= 0;
        return peer;
    }
    RawPeer(RawPeer&& other) noexcept : fd_(other.fd_), connected_(other.connected_) { other.fd_ = -1; }
    ~RawPeer() {
        if (fd_ >= 0) ::close(fd_);
    }

    bool connected() const { return connected_; }
    // Writes from the other side now fail (EPIPE on Unix sockets); this side can still send.
    void stop_reading() { ::shutdown(fd_, SHUT_RD); }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    bool send(const std::string& bytes) {
        return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
    }
    // Reads until the peer closes or `timeout` passes; returns what arrived.
    std::string read_until_closed(std::chrono::milliseconds timeout, bool* closed = nullptr) {
        std::string data;
        const bool eof = read_while(data, timeout, [] { return true; });
        if (closed) *closed = eof;
        return data;
    }
    // Reads until `frames` frames ending in `delimiter` arrived, the peer closed, or the deadline passed.
    std::string read_frames(std::size_t frames, std::chrono::milliseconds timeout, char delimiter = '\f') {
        std::string data;
        std::size_t counted = 0;  // counted incrementally: megabytes may arrive
        std::size_t seen = 0;
        read_while(data, timeout, [&] {
            seen += static_cast<std::size_t>(std::count(data.begin() + static_cast<std::ptrdiff_t>(counted), data.end(), delimiter));
            counted = data.size();
            return seen < frames;
        });
        return data;
    }

private:
    explicit RawPeer(int fd) : fd_(fd) {}

    // Appends what arrives to `data` while `more()` holds; returns true if the peer closed.
    template <class More>
    bool read_while(std::string& data, std::chrono::milliseconds timeout, More more) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (more()) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return false;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
            char buf[64 * 1024];
            const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
            if (n <= 0) return true;
            data.append(buf, static_cast<std::size_t>(n));
        }
        return false;
    }

    int fd_ = -1;
    bool connected_ = false;
};

}  // namespace test
