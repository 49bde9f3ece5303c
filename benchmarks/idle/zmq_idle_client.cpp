// ZeroMQ's clients in the idle benchmark: --clients DEALER sockets in one context, each sends one
// message and waits for its answer.
#include <zmq.hpp>

#include <cstdint>
#include <cstring>
#include <unistd.h>
#include <vector>

#include "idle.hpp"

int main(int argc, char** argv) {
    const auto o = idle::parse(argc, argv);
    idle::raise_fd_limit(o.clients);
    zmq::context_t context;
    context.set(zmq::ctxopt::max_sockets, static_cast<int>(o.clients + 64));
    idle::ready_then_wait();
    const std::string endpoint = (o.tcp() ? "tcp://" : "ipc://") + o.endpoint;
    std::vector<zmq::socket_t> dealers;
    dealers.reserve(o.clients);
    for (std::uint64_t i = 0; i < o.clients; ++i) {
        auto& dealer = dealers.emplace_back(context, zmq::socket_type::dealer);
        dealer.connect(endpoint);
        dealer.send(zmq::buffer(&i, sizeof i), zmq::send_flags::none);
        zmq::message_t answer;
        std::uint64_t value = 0;
        if (!dealer.recv(answer) || answer.size() != sizeof value) idle::fail("no answer");
        std::memcpy(&value, answer.data(), sizeof value);
        if (value != i) idle::fail("an answer for another connection");
    }
    idle::say("answered " + std::to_string(dealers.size()));
    for (;;) ::pause();  // until killed
}
