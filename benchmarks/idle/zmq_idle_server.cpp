// ZeroMQ in the idle benchmark: a ROUTER that answers each message with the same bytes.
#include <zmq.hpp>

#include "idle.hpp"

int main(int argc, char** argv) {
    const auto o = idle::parse(argc, argv);
    idle::raise_fd_limit(o.clients);
    zmq::context_t context;
    context.set(zmq::ctxopt::max_sockets, static_cast<int>(o.clients + 64));
    zmq::socket_t router(context, zmq::socket_type::router);
    router.bind((o.tcp() ? "tcp://" : "ipc://") + o.endpoint);
    idle::say("ready");
    for (;;) {
        zmq::message_t id, message;
        if (!router.recv(id) || !router.recv(message)) idle::fail("recv");
        router.send(id, zmq::send_flags::sndmore);
        router.send(message, zmq::send_flags::none);
    }
}
