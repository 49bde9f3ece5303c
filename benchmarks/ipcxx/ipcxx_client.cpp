// ipcxx_client / ipcxx_json_client: the client side of every workload, through the public API.
#include <asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "common.hpp"

namespace {

using ipcxx_bench::message;
using ipcxx_bench::seq_of;

void connect(ipcxx::Client& client, const bench::Options& o) {
    if (o.tcp()) client.connect_to_net("bench", o.host(), o.port());
    else client.connect_to("bench", o.endpoint);
}

// Lets the queue drain, so that the last messages are written before the client goes away.
void drain(const ipcxx::Client& client) {
    while (client.pending_messages() > 0) std::this_thread::sleep_for(std::chrono::microseconds(50));
}

// Everything runs in the handlers, on the client's I/O thread: the first `inflight` requests when
// connected, then one more per reply.
void round_trips(const bench::Options& o) {
    const std::string payload(o.size, 'x');
    ipcxx::Client client{ipcxx_bench::config(o, "client")};
    ipcxx_bench::fail_on_error(client);
    bench::RoundTrips rt(o);
    std::uint64_t seq = 0;
    std::promise<void> done;
    auto send = [&] {
        rt.sent(seq);
        if (auto ec = client.emit("req", message(seq++, payload))) bench::fail("emit: " + ec.message());
    };
    client.once("connect", [&] {
        rt.start_now();
        while (seq < std::min<std::uint64_t>(o.inflight, rt.total())) send();
    });
    client.on("rep", [&](const ipcxx::Payload& p) {
        if (rt.received(seq_of(p))) done.set_value();
        else if (seq < rt.total()) send();
    });
    connect(client, o);
    done.get_future().wait();
    client.emit("bye");
    drain(client);
    rt.report(ipcxx_bench::system_name);
}

// The main thread sends each request on its turn of the schedule, as an application's own thread
// would, and waits for the reply, which the client's I/O thread hands over.
void paced_round_trips(const bench::Options& o) {
    const std::string payload(o.size, 'x');
    ipcxx::Client client{ipcxx_bench::config(o, "client")};
    ipcxx_bench::fail_on_error(client);
    std::mutex mutex;
    std::condition_variable replied;
    std::uint64_t replies = 0, last_reply = 0;
    std::promise<void> connected;
    client.once("connect", [&] { connected.set_value(); });
    client.on("rep", [&](const ipcxx::Payload& p) {
        std::lock_guard<std::mutex> lock(mutex);
        last_reply = seq_of(p);
        ++replies;
        replied.notify_one();
    });
    connect(client, o);
    connected.get_future().wait();
    bench::RoundTrips rt(o);
    bench::paced_round_trips(o, rt, [&](std::uint64_t seq) {
        if (auto ec = client.emit("req", message(seq, payload))) bench::fail("emit: " + ec.message());
        std::unique_lock<std::mutex> lock(mutex);
        // Bounded: a reply missing for 10 s fails the run.
        if (!replied.wait_for(lock, std::chrono::seconds(10), [&] { return replies > seq; }))
            bench::fail("no reply to request " + std::to_string(seq));
        return last_reply;
    });
    client.emit("bye");
    drain(client);
    rt.report(ipcxx_bench::system_name);
}

// W1 over several connections (--clients): they share one io_context run by this thread, as the
// fan-out clients do; each pipelines its share of the round trips, --inflight at a time.
void round_trips_over_connections(const bench::Options& o) {
    const std::string payload(o.size, 'x');
    asio::io_context io;
    std::vector<bench::Options> shares;
    std::vector<std::unique_ptr<bench::RoundTrips>> trips;
    std::vector<std::unique_ptr<ipcxx::Client>> clients;
    std::vector<std::uint64_t> seqs(o.clients, 0);
    shares.reserve(o.clients);  // each RoundTrips keeps a reference to its share
    std::size_t done = 0;
    for (std::size_t i = 0; i < o.clients; ++i) {
        shares.push_back(bench::share_of_connection(o, i));
        trips.push_back(std::make_unique<bench::RoundTrips>(shares.back()));
        clients.push_back(std::make_unique<ipcxx::Client>(io, ipcxx_bench::config(o, "c" + std::to_string(i))));
        auto& c = *clients.back();
        auto& rt = *trips.back();
        std::uint64_t& seq = seqs[i];
        ipcxx_bench::fail_on_error(c);
        auto send = [&c, &rt, &seq, &payload] {
            rt.sent(seq);
            if (auto ec = c.emit("req", message(seq++, payload))) bench::fail("emit: " + ec.message());
        };
        c.once("connect", [&rt, &seq, send, &o] {
            rt.start_now();
            while (seq < std::min<std::uint64_t>(o.inflight, rt.total())) send();
        });
        c.on("rep", [&rt, &seq, send, &done](const ipcxx::Payload& p) {
            if (rt.received(seq_of(p))) ++done;
            else if (seq < rt.total()) send();
        });
        connect(c, o);
    }
    while (done < o.clients) io.run_one();
    clients[0]->emit("bye");
    while (clients[0]->pending_messages() > 0) io.run_one();
    bench::report_round_trips(ipcxx_bench::system_name, o, trips);
    clients.clear();
    io.poll();  // let the closes finish
}

// The main thread produces; a full send queue (errc::queue_full, 16 MiB) is waited out until the
// `drain` event says there is room again, as node-ipc's streaming senders wait for theirs.
template <class Body>
void stream_of(const bench::Options& o, const Body& payload) {
    ipcxx::Client client{ipcxx_bench::config(o, "client")};
    ipcxx_bench::fail_on_error(client);
    std::promise<void> connected;
    std::promise<std::uint64_t> ack[2];  // warm-up, timed phase
    int acks = 0;
    std::mutex room_mutex;
    std::condition_variable room;
    // Read before each emit without the mutex, as a sender checks for room only when refused.
    std::atomic<std::uint64_t> drains{0};
    client.once("connect", [&] { connected.set_value(); });
    client.on("ack", [&](const ipcxx::Payload& p) { ack[acks++].set_value(p.as<std::uint64_t>()); });
    client.on("drain", [&] {
        std::lock_guard<std::mutex> lock(room_mutex);
        ++drains;
        room.notify_one();
    });
    connect(client, o);
    connected.get_future().wait();

    std::uint64_t seq = 0;
    auto phase = [&](std::uint64_t n, std::promise<std::uint64_t>& acked) {
        for (std::uint64_t end = seq + n; seq < end; ++seq) {
            std::error_code ec;
            for (;;) {
                const std::uint64_t drains_before = drains.load();
                if ((ec = client.emit("msg", message(seq, payload))) != ipcxx::errc::queue_full) break;
                std::unique_lock<std::mutex> lock(room_mutex);
                // A drain that came between the refusal and this wait is seen by the count.
                room.wait_for(lock, std::chrono::milliseconds(100), [&] { return drains != drains_before; });
            }
            if (ec) bench::fail("emit: " + ec.message());
        }
        if (acked.get_future().get() != seq) bench::fail("ack does not count what was sent");
    };
    if (o.warmup > 0) phase(o.warmup, ack[0]);
    auto start = bench::Clock::now();
    phase(o.messages, ack[o.warmup > 0 ? 1 : 0]);
    double seconds = bench::since(start);
    client.emit("bye");
    drain(client);
    bench::report(ipcxx_bench::system_name, o, o.messages, seconds);
}

// A large body is handed over as SharedBytes, as an application streaming large buffers would:
// it is then sent by reference, not copied; a small one is copied, which costs less than sharing.
// ipcxx_str emits every body as a plain std::string (copied once per emit), as a user writes it.
void stream(const bench::Options& o) {
    if (o.size < 64 * 1024 || IPCXX_BENCH_STRING_BODY) return stream_of(o, std::string(o.size, 'x'));
    stream_of(o, ipcxx::SharedBytes(std::string(o.size, 'x'), ipcxx::SharedBytes::Kind::text));
}

// W4s's subscriber that never reads: a client on its own I/O thread whose handler blocks from the
// first broadcast until release(), so that its socket is not read meanwhile.
class StuckSubscriber {
public:
    explicit StuckSubscriber(const bench::Options& o) : client_(ipcxx_bench::config(o, "stuck")) {
        client_.on("b", [this](const ipcxx::Payload&) {
            std::unique_lock<std::mutex> lock(mutex_);
            released_.wait(lock, [this] { return release_; });
        });
        connect(client_, o);
    }
    ~StuckSubscriber() { release(); }
    void release() {
        std::lock_guard<std::mutex> lock(mutex_);
        release_ = true;
        released_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable released_;
    bool release_ = false;
    ipcxx::Client client_;  // last: its I/O thread ends before what the handler uses
};

// All connections share one io_context, run by this thread (one I/O thread, like the other systems'
// fan-out clients).
void fan_out(const bench::Options& o) {
    std::unique_ptr<StuckSubscriber> stuck;
    if (o.stuck()) stuck = std::make_unique<StuckSubscriber>(o);
    asio::io_context io;
    std::vector<std::unique_ptr<ipcxx::Client>> clients;
    std::vector<std::uint64_t> received(o.clients, 0);  // per connection, also the next sequence wanted
    std::size_t connected = 0, complete = 0;
    std::uint64_t want = 0;
    for (std::size_t i = 0; i < o.clients; ++i) {
        clients.push_back(std::make_unique<ipcxx::Client>(io, ipcxx_bench::config(o, "c" + std::to_string(i))));
        auto& c = *clients.back();
        ipcxx_bench::fail_on_error(c);
        c.once("connect", [&] { ++connected; });
        c.on("b", [&, i](const ipcxx::Payload& p) {
            if (seq_of(p) != received[i]) bench::fail("broadcast out of sequence");
            if (++received[i] == want) ++complete;
        });
        connect(c, o);
    }
    auto run_until = [&](auto done) {
        while (!done()) io.run_one();
    };
    run_until([&] { return connected == o.clients; });
    auto phase = [&](std::uint64_t n) {
        want += n;
        complete = 0;
        clients[0]->emit("go", n);
        run_until([&] { return complete == o.clients; });
    };
    if (o.warmup > 0) phase(o.warmup);
    auto start = bench::Clock::now();
    phase(o.messages);
    double seconds = bench::since(start);
    clients[0]->emit("bye");
    run_until([&] { return clients[0]->pending_messages() == 0; });
    bench::report(ipcxx_bench::system_name, o, o.messages * o.clients, seconds);
    clients.clear();
    io.poll();  // let the closes finish
    if (stuck) stuck->release();
}

}  // namespace

int main(int argc, char** argv) {
    auto o = bench::parse(argc, argv);
    switch (bench::kind(o)) {
        case bench::Kind::round_trip:
            if (o.rate > 0) paced_round_trips(o);
            else if (o.clients > 1) round_trips_over_connections(o);
            else round_trips(o);
            break;
        case bench::Kind::stream: stream(o); break;
        case bench::Kind::fan_out: fan_out(o); break;
    }
    return 0;
}
