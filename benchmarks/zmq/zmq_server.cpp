// zmq_server: a ROUTER that echoes (W1, W2) or counts and acks (W3); an XPUB that broadcasts (W4).
#include "zmq_common.hpp"

namespace {

void router(const bench::Options& o, zmq::context_t& ctx) {
    zmq::socket_t sock(ctx, zmq::socket_type::router);
    sock.bind(zmq_bench::endpoint(o));
    bench::ready();
    std::uint64_t received = 0;
    for (;;) {
        zmq::message_t id, msg;
        if (!sock.recv(id) || !sock.recv(msg)) bench::fail("recv");
        std::uint64_t tag = zmq_bench::tag_of(msg);
        if (tag == bench::tag_bye) return;
        if (bench::kind(o) == bench::Kind::round_trip) {
            sock.send(id, zmq::send_flags::sndmore);
            sock.send(msg, zmq::send_flags::none);  // the echo
            continue;
        }
        if (tag != received) bench::fail("stream message out of sequence");
        ++received;
        if ((received == o.warmup && o.warmup > 0) || received == o.warmup + o.messages) {
            sock.send(id, zmq::send_flags::sndmore);
            sock.send(zmq_bench::body(o, received), zmq::send_flags::none);
        }
    }
}

void publisher(const bench::Options& o, zmq::context_t& ctx) {
    zmq::socket_t pub(ctx, zmq::socket_type::xpub);
    // No high-water mark: nothing is dropped. With ZeroMQ's default (1,000 messages per subscriber)
    // healthy subscribers lose broadcasts at this rate too, so W4s keeps it off as well: the
    // publisher then queues without bound for the stuck subscriber.
    pub.set(zmq::sockopt::sndhwm, 0);
    pub.set(zmq::sockopt::xpub_verbose, 1);  // every subscription arrives, so each client can be counted
    pub.bind(zmq_bench::endpoint(o));
    zmq::socket_t control(ctx, zmq::socket_type::router);
    control.bind(zmq_bench::control_endpoint(o));
    bench::ready();
    // Broadcasting before every SUB has subscribed would lose messages (the slow joiner).
    for (std::size_t i = 0; i < o.subscribers(); ++i) {
        zmq::message_t subscription;
        if (!pub.recv(subscription)) bench::fail("recv");
    }
    std::uint64_t sent = 0;
    for (;;) {
        zmq::message_t id, msg;
        if (!control.recv(id) || !control.recv(msg)) bench::fail("recv");
        if (zmq_bench::tag_of(msg) == bench::tag_bye) return;
        for (std::uint64_t end = sent + zmq_bench::arg_of(msg); sent < end; ++sent)
            pub.send(zmq_bench::body(o, sent), zmq::send_flags::none);
    }
}

}  // namespace

int main(int argc, char** argv) {
    auto o = bench::parse(argc, argv);
    zmq::context_t ctx(static_cast<int>(o.io_threads));
    if (bench::kind(o) == bench::Kind::fan_out) publisher(o, ctx);
    else router(o, ctx);
    return 0;
}
