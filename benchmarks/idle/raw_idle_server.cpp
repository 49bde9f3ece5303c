// The floor of the idle benchmark: an epoll server that keeps nothing per connection but its
// descriptor. Each message is 8 bytes, answered by the same 8 bytes (level-triggered epoll,
// one read per readiness; the benchmark's messages never split).
#include <sys/epoll.h>
#include <unistd.h>

#include "idle.hpp"
#include "raw_idle.hpp"

int main(int argc, char** argv) {
    const auto o = idle::parse(argc, argv);
    idle::raise_fd_limit(o.clients);
    const int listener = raw_idle::listen_on(o);
    const int ep = ::epoll_create1(0);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = listener;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
    idle::say("ready");
    epoll_event events[256];
    for (;;) {
        const int n = ::epoll_wait(ep, events, 256, -1);
        for (int i = 0; i < n; ++i) {
            const int fd = events[i].data.fd;
            if (fd == listener) {
                const int conn = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
                if (conn < 0) continue;
                epoll_event add{};
                add.events = EPOLLIN;
                add.data.fd = conn;
                ::epoll_ctl(ep, EPOLL_CTL_ADD, conn, &add);
                continue;
            }
            char message[raw_idle::message_size];
            const ssize_t got = ::read(fd, message, sizeof message);
            if (got <= 0) {
                ::close(fd);
                continue;
            }
            if (::write(fd, message, static_cast<std::size_t>(got)) != got) idle::fail("write");
        }
    }
}
