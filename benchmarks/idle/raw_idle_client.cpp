// The raw floor's clients: --clients sockets, each sends 8 bytes and reads them back.
#include <unistd.h>

#include <cstdint>
#include <vector>

#include "idle.hpp"
#include "raw_idle.hpp"

int main(int argc, char** argv) {
    const auto o = idle::parse(argc, argv);
    idle::raise_fd_limit(o.clients);
    idle::ready_then_wait();
    std::vector<int> sockets;
    sockets.reserve(o.clients);
    for (std::uint64_t i = 0; i < o.clients; ++i) {
        const int fd = raw_idle::connect_to(o);
        sockets.push_back(fd);
        if (::write(fd, &i, sizeof i) != sizeof i) idle::fail("write");
        std::uint64_t answer = 0;
        if (::read(fd, &answer, sizeof answer) != sizeof answer || answer != i) idle::fail("no answer");
    }
    idle::say("answered " + std::to_string(sockets.size()));
    for (;;) ::pause();  // until killed
}
