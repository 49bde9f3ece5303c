// raw_server / raw1_server: the floor's server, single-threaded with blocking sockets.
#include "raw.hpp"

int main(int argc, char** argv) {
    auto o = bench::parse(argc, argv);
    int listener = raw::listen_on(o);
    bench::ready();
    std::vector<int> conns;
    for (std::size_t i = 0; i < o.clients; ++i) conns.push_back(raw::accept_one(o, listener));
    raw::Reader in(conns[0]);  // requests, stream messages and controls all come on the first connection
    raw::Writer out(conns[0], o.size);
    const std::string filler(o.size - 16, 'x');
    bool bye = false;
    std::uint64_t count = 0;     // stream: messages received; fan-out: messages broadcast
    std::uint64_t requested = 0; // fan-out: messages asked for

    while (!bye && in.next([&](std::uint64_t tag, std::uint64_t arg) {
        if (tag == bench::tag_bye) {
            bye = true;
        } else if (tag == bench::tag_start) {
            requested += arg;
        } else if (bench::kind(o) == bench::Kind::round_trip) {
            out.frame(tag);  // the echo
        } else {
            if (tag != count) bench::fail("stream message out of sequence");
            ++count;
            if ((count == o.warmup && o.warmup > 0) || count == o.warmup + o.messages) out.frame(count);
        }
    })) {
        out.flush();
        if (bench::kind(o) != bench::Kind::fan_out || requested == count) continue;
        // Fan-out: raw gathers the batch once and writes it to each connection in one call;
        // raw1 writes each message to each connection as it is produced.
        if (raw::coalesce) {
            std::string batch;
            for (std::uint64_t seq = count; seq < requested; ++seq) raw::append_frame(batch, filler, seq);
            for (int fd : conns) raw::write_all(fd, batch);
        } else {
            std::vector<raw::Writer> writers;
            for (int fd : conns) writers.emplace_back(fd, o.size);
            for (std::uint64_t seq = count; seq < requested; ++seq)
                for (auto& w : writers) w.frame(seq);
        }
        count = requested;
    }
    if (!bye) bench::fail("client left without saying bye");
    for (int fd : conns) close(fd);
    if (!o.tcp()) unlink(o.endpoint.c_str());
    return 0;
}
