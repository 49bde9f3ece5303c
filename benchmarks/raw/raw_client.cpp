// raw_client / raw1_client: the floor's client, single-threaded with blocking sockets.
#include <poll.h>

#include "raw.hpp"

namespace {

void round_trips(const bench::Options& o, int fd) {
    raw::Reader in(fd);
    raw::Writer out(fd, o.size);
    bench::RoundTrips rt(o);
    std::uint64_t seq = 0;
    auto send = [&] {
        rt.sent(seq);
        out.frame(seq++);
    };
    rt.start_now();
    while (seq < std::min<std::uint64_t>(o.inflight, rt.total())) send();
    out.flush();
    bool done = false;
    while (!done && in.next([&](std::uint64_t tag, std::uint64_t) {
        done = rt.received(tag);
        if (seq < rt.total()) send();
    })) {
        out.flush();
    }
    if (!done) bench::fail("server closed early");
    out.frame(bench::tag_bye);
    out.flush();
    rt.report(raw::system_name);
}

void paced_round_trips(const bench::Options& o, int fd) {
    raw::Reader in(fd);
    raw::Writer out(fd, o.size);
    bench::RoundTrips rt(o);
    bench::paced_round_trips(o, rt, [&](std::uint64_t seq) {
        out.frame(seq);
        out.flush();
        std::uint64_t reply = 0;
        bool answered = false;
        while (!answered && in.next([&](std::uint64_t tag, std::uint64_t) {
            reply = tag;
            answered = true;
        })) {
        }
        if (!answered) bench::fail("server closed early");
        return reply;
    });
    out.frame(bench::tag_bye);
    out.flush();
    rt.report(raw::system_name);
}

void stream(const bench::Options& o, int fd) {
    raw::Reader in(fd);
    raw::Writer out(fd, o.size);
    std::uint64_t seq = 0;
    // Sends n messages, then waits for the server's ack of everything sent so far.
    auto phase = [&](std::uint64_t n) {
        for (std::uint64_t i = 0; i < n; ++i) out.frame(seq++);
        out.flush();
        bool acked = false;
        while (!acked && in.next([&](std::uint64_t tag, std::uint64_t) {
            if (tag != seq) bench::fail("ack counts " + std::to_string(tag) + ", sent " + std::to_string(seq));
            acked = true;
        })) {
        }
        if (!acked) bench::fail("server closed early");
    };
    if (o.warmup > 0) phase(o.warmup);
    auto start = bench::Clock::now();
    phase(o.messages);
    double seconds = bench::since(start);
    out.frame(bench::tag_bye);
    out.flush();
    bench::report(raw::system_name, o, o.messages, seconds);
}

void fan_out(const bench::Options& o) {
    std::vector<int> fds;
    std::vector<pollfd> polls;
    std::vector<raw::Reader> readers;
    for (std::size_t i = 0; i < o.clients; ++i) {
        fds.push_back(raw::connect_to(o));
        polls.push_back({fds.back(), POLLIN, 0});
        readers.emplace_back(fds.back());
    }
    raw::Writer control(fds[0], o.size);
    std::vector<std::uint64_t> received(o.clients, 0);  // per connection, also the next sequence wanted
    // Asks for n broadcasts and waits until every connection has them all, in sequence.
    auto phase = [&](std::uint64_t n) {
        control.frame(bench::tag_start, n);
        control.flush();
        std::uint64_t want = received[0] + n;
        std::size_t complete = 0;
        while (complete < fds.size()) {
            raw::check(poll(polls.data(), polls.size(), -1) > 0, "poll");
            for (std::size_t i = 0; i < fds.size(); ++i) {
                if (!polls[i].revents) continue;
                bool open = readers[i].next([&](std::uint64_t tag, std::uint64_t) {
                    if (tag != received[i]) bench::fail("broadcast out of sequence");
                    if (++received[i] == want) ++complete;
                });
                if (!open) bench::fail("server closed early");
            }
        }
    };
    if (o.warmup > 0) phase(o.warmup);
    auto start = bench::Clock::now();
    phase(o.messages);
    double seconds = bench::since(start);
    control.frame(bench::tag_bye);
    control.flush();
    bench::report(raw::system_name, o, o.messages * o.clients, seconds);
}

}  // namespace

int main(int argc, char** argv) {
    auto o = bench::parse(argc, argv);
    switch (bench::kind(o)) {
        case bench::Kind::round_trip:
            if (o.rate > 0) paced_round_trips(o, raw::connect_to(o));
            else round_trips(o, raw::connect_to(o));
            break;
        case bench::Kind::stream: stream(o, raw::connect_to(o)); break;
        case bench::Kind::fan_out: fan_out(o); break;
    }
    return 0;
}
