// zmq_client: a DEALER (W1-W3) or 100 SUB sockets on one thread (W4, and W4s with one more never read).
#include <memory>
#include <optional>

#include "zmq_common.hpp"

namespace {

using zmq_bench::body;
using zmq_bench::tag_of;

void round_trips(const bench::Options& o, zmq::socket_t& sock) {
    bench::RoundTrips rt(o);
    std::uint64_t seq = 0;
    auto send = [&] {
        rt.sent(seq);
        sock.send(body(o, seq++), zmq::send_flags::none);
    };
    rt.start_now();
    while (seq < std::min<std::uint64_t>(o.inflight, rt.total())) send();
    for (bool done = false; !done;) {
        zmq::message_t reply;
        if (!sock.recv(reply)) bench::fail("recv");
        done = rt.received(tag_of(reply));
        if (seq < rt.total()) send();
    }
    sock.send(body(o, bench::tag_bye), zmq::send_flags::none);
    rt.report(zmq_bench::system_name);
}

void paced_round_trips(const bench::Options& o, zmq::socket_t& sock) {
    bench::RoundTrips rt(o);
    bench::paced_round_trips(o, rt, [&](std::uint64_t seq) {
        sock.send(body(o, seq), zmq::send_flags::none);
        zmq::message_t reply;
        if (!sock.recv(reply)) bench::fail("recv");
        return tag_of(reply);
    });
    sock.send(body(o, bench::tag_bye), zmq::send_flags::none);
    rt.report(zmq_bench::system_name);
}

// W1 over several DEALERs (--clients), polled by this one thread: each pipelines its share.
void round_trips_over_connections(const bench::Options& o, zmq::context_t& ctx) {
    std::vector<bench::Options> shares;
    shares.reserve(o.clients);  // each RoundTrips keeps a reference to its share
    std::vector<std::unique_ptr<bench::RoundTrips>> trips;
    std::vector<zmq::socket_t> socks;
    std::vector<zmq::pollitem_t> items;
    std::vector<std::uint64_t> seqs(o.clients, 0);
    for (std::size_t i = 0; i < o.clients; ++i) {
        shares.push_back(bench::share_of_connection(o, i));
        trips.push_back(std::make_unique<bench::RoundTrips>(shares.back()));
        socks.emplace_back(ctx, zmq::socket_type::dealer);
        socks.back().connect(zmq_bench::endpoint(o));
    }
    for (auto& s : socks) items.push_back({s.handle(), 0, ZMQ_POLLIN, 0});
    auto send = [&](std::size_t i) {
        trips[i]->sent(seqs[i]);
        socks[i].send(body(shares[i], seqs[i]++), zmq::send_flags::none);
    };
    for (std::size_t i = 0; i < socks.size(); ++i) {
        trips[i]->start_now();
        while (seqs[i] < std::min<std::uint64_t>(o.inflight, trips[i]->total())) send(i);
    }
    for (std::size_t done = 0; done < socks.size();) {
        zmq::poll(items);
        for (std::size_t i = 0; i < socks.size(); ++i) {
            if (!(items[i].revents & ZMQ_POLLIN)) continue;
            zmq::message_t reply;
            while (socks[i].recv(reply, zmq::recv_flags::dontwait)) {
                if (trips[i]->received(tag_of(reply))) ++done;
                else if (seqs[i] < trips[i]->total()) send(i);
            }
        }
    }
    socks[0].send(body(o, bench::tag_bye), zmq::send_flags::none);
    bench::report_round_trips(zmq_bench::system_name, o, trips);
}

void stream(const bench::Options& o, zmq::socket_t& sock) {
    std::uint64_t seq = 0;
    // Sends n messages (blocking at the high-water mark), then waits for the ack of all sent so far.
    auto phase = [&](std::uint64_t n) {
        for (std::uint64_t end = seq + n; seq < end; ++seq) sock.send(body(o, seq), zmq::send_flags::none);
        zmq::message_t ack;
        if (!sock.recv(ack)) bench::fail("recv");
        if (tag_of(ack) != seq) bench::fail("ack does not count what was sent");
    };
    if (o.warmup > 0) phase(o.warmup);
    auto start = bench::Clock::now();
    phase(o.messages);
    double seconds = bench::since(start);
    sock.send(body(o, bench::tag_bye), zmq::send_flags::none);
    bench::report(zmq_bench::system_name, o, o.messages, seconds);
}

void fan_out(const bench::Options& o, zmq::context_t& ctx) {
    std::vector<zmq::socket_t> subs;
    std::vector<zmq::pollitem_t> items;
    for (std::size_t i = 0; i < o.clients; ++i) {
        subs.emplace_back(ctx, zmq::socket_type::sub);
        subs.back().set(zmq::sockopt::rcvhwm, 0);
        subs.back().set(zmq::sockopt::subscribe, "");
        subs.back().connect(zmq_bench::endpoint(o));
    }
    for (auto& s : subs) items.push_back({s.handle(), 0, ZMQ_POLLIN, 0});
    // W4s: one subscriber more, with ZeroMQ's default receive high-water mark, never read from.
    std::optional<zmq::socket_t> stuck;
    if (o.stuck()) {
        stuck.emplace(ctx, zmq::socket_type::sub);
        stuck->set(zmq::sockopt::subscribe, "");
        stuck->connect(zmq_bench::endpoint(o));
    }
    zmq::socket_t control(ctx, zmq::socket_type::dealer);
    control.connect(zmq_bench::control_endpoint(o));
    std::vector<std::uint64_t> received(o.clients, 0);  // per connection, also the next sequence wanted
    auto phase = [&](std::uint64_t n) {
        control.send(body(o, bench::tag_start, n), zmq::send_flags::none);
        std::uint64_t want = received[0] + n;
        for (std::size_t complete = 0; complete < subs.size();) {
            zmq::poll(items);
            for (std::size_t i = 0; i < subs.size(); ++i) {
                if (!(items[i].revents & ZMQ_POLLIN)) continue;
                zmq::message_t m;
                while (received[i] < want && subs[i].recv(m, zmq::recv_flags::dontwait)) {
                    if (tag_of(m) != received[i]) bench::fail("broadcast out of sequence");
                    if (++received[i] == want) ++complete;
                }
            }
        }
    };
    if (o.warmup > 0) phase(o.warmup);
    auto start = bench::Clock::now();
    phase(o.messages);
    double seconds = bench::since(start);
    control.send(body(o, bench::tag_bye), zmq::send_flags::none);
    bench::report(zmq_bench::system_name, o, o.messages * o.clients, seconds);
}

}  // namespace

int main(int argc, char** argv) {
    auto o = bench::parse(argc, argv);
    zmq::context_t ctx;
    if (bench::kind(o) == bench::Kind::fan_out) {
        fan_out(o, ctx);
        return 0;
    }
    if (bench::kind(o) == bench::Kind::round_trip && o.clients > 1) {
        round_trips_over_connections(o, ctx);
        return 0;
    }
    zmq::socket_t sock(ctx, zmq::socket_type::dealer);
    sock.connect(zmq_bench::endpoint(o));
    if (o.rate > 0) paced_round_trips(o, sock);
    else if (bench::kind(o) == bench::Kind::round_trip) round_trips(o, sock);
    else stream(o, sock);
    return 0;
}
