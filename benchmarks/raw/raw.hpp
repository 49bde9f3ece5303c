// The raw floor: blocking POSIX sockets, each message a 4-byte length then its body.
// A body is `size` bytes: a 64-bit tag (sequence, ack count or control value), a 64-bit argument,
// then filler. Built twice: RAW_COALESCE=1 (`raw`) gathers the messages produced together into one
// write(); RAW_COALESCE=0 (`raw1`) writes each message on its own, as a library that writes every
// message when it is emitted would.
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "bench.hpp"
#include "socket_address.hpp"

namespace raw {

constexpr bool coalesce = RAW_COALESCE;
constexpr const char* system_name = RAW_COALESCE ? "raw" : "raw1";
constexpr std::size_t batch = 64 * 1024;  // coalesced writes go out once this much is gathered

inline void check(bool ok, const char* what) {
    if (!ok) bench::fail(std::string(what) + ": " + std::strerror(errno));
}

inline sockaddr_storage address(const bench::Options& o, socklen_t& len) {
    return bench::socket_address(o, len, bench::fail);
}

inline void no_delay(const bench::Options& o, int fd) {
    int one = 1;
    if (o.tcp()) check(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0, "TCP_NODELAY");
}

inline int listen_on(const bench::Options& o) {
    socklen_t len;
    auto ss = address(o, len);
    int fd = socket(ss.ss_family, SOCK_STREAM, 0);
    check(fd >= 0, "socket");
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (!o.tcp()) unlink(o.endpoint.c_str());
    check(bind(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0, "bind");
    check(listen(fd, 128) == 0, "listen");
    return fd;
}

inline int accept_one(const bench::Options& o, int listener) {
    int fd = accept(listener, nullptr, nullptr);
    check(fd >= 0, "accept");
    no_delay(o, fd);
    return fd;
}

inline int connect_to(const bench::Options& o) {
    socklen_t len;
    auto ss = address(o, len);
    int fd = socket(ss.ss_family, SOCK_STREAM, 0);
    check(fd >= 0, "socket");
    check(connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0, "connect");
    no_delay(o, fd);
    return fd;
}

// Splits what arrives into frames.
class Reader {
public:
    explicit Reader(int fd) : fd_(fd), buf_(batch) {}  // grows for larger frames

    // One read(), then f(tag, arg) for each complete frame. False at end of stream.
    template <class F>
    bool next(F&& f) {
        if (begin_ == end_) begin_ = end_ = 0;
        if (buf_.size() - end_ < batch && begin_ > 0) {  // compact only when space runs out
            std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
            end_ -= begin_;
            begin_ = 0;
        }
        if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);  // a frame larger than the buffer
        ssize_t n = read(fd_, buf_.data() + end_, buf_.size() - end_);
        if (n < 0) check(false, "read");
        if (n == 0) return false;
        end_ += static_cast<std::size_t>(n);
        while (end_ - begin_ >= 4) {
            std::uint32_t len;
            std::memcpy(&len, buf_.data() + begin_, 4);
            if (end_ - begin_ - 4 < len) break;
            f(bench::get64(buf_.data() + begin_ + 4), bench::get64(buf_.data() + begin_ + 12));
            begin_ += 4 + len;
        }
        return true;
    }

private:
    int fd_;
    std::vector<char> buf_;
    std::size_t begin_ = 0, end_ = 0;
};

inline void writev_all(int fd, iovec* iov, int count) {
    while (count > 0) {
        ssize_t n = writev(fd, iov, count);
        if (n < 0 && errno == EINTR) continue;
        check(n > 0, "write");
        for (auto left = static_cast<std::size_t>(n); left > 0;) {
            std::size_t step = std::min(left, iov->iov_len);
            iov->iov_base = static_cast<char*>(iov->iov_base) + step;
            iov->iov_len -= step;
            left -= step;
            if (iov->iov_len == 0) ++iov, --count;
        }
    }
}

inline void write_all(int fd, const std::string& bytes) {
    iovec iov{const_cast<char*>(bytes.data()), bytes.size()};
    writev_all(fd, &iov, 1);
}

inline void frame_head(char (&head)[20], std::size_t size, std::uint64_t tag, std::uint64_t arg) {
    auto len = static_cast<std::uint32_t>(size);
    std::memcpy(head, &len, 4);
    bench::put64(head + 4, tag);
    bench::put64(head + 12, arg);
}

inline void append_frame(std::string& out, const std::string& filler, std::uint64_t tag, std::uint64_t arg = 0) {
    char head[20];
    frame_head(head, filler.size() + 16, tag, arg);
    out.append(head, sizeof head).append(filler);
}

// Writes frames of `size` bytes, gathered (raw) or one write per frame (raw1).
class Writer {
public:
    Writer(int fd, std::size_t size) : fd_(fd), filler_(size - 16, 'x') {}

    void frame(std::uint64_t tag, std::uint64_t arg = 0) {
        if (coalesce && filler_.size() < batch) {
            append_frame(out_, filler_, tag, arg);
            if (out_.size() >= batch) flush();
            return;
        }
        flush();
        char head[20];
        frame_head(head, filler_.size() + 16, tag, arg);
        iovec iov[2] = {{head, sizeof head}, {filler_.data(), filler_.size()}};
        writev_all(fd_, iov, filler_.empty() ? 1 : 2);  // header and payload in one system call
    }
    // Gathered frames as one write(): after each batch of work, and before waiting for a reply.
    void flush() {
        if (out_.empty()) return;
        write_all(fd_, out_);
        out_.clear();
    }

private:
    int fd_;
    std::string filler_;
    std::string out_;
};

}  // namespace raw
