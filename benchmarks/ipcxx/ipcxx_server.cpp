// ipcxx_server / ipcxx_json_server: the server side of every workload, through the public API.
// Handlers run on the server's I/O thread; W4's broadcasts come from the main thread, as an
// application's producer thread would send them.
#include <condition_variable>
#include <mutex>

#include "common.hpp"

int main(int argc, char** argv) {
    auto o = bench::parse(argc, argv);
    const std::string payload(o.size, 'x');
    auto config = ipcxx_bench::config(o, "bench");
    config.io_threads = o.io_threads;
    ipcxx::Server server{config};
    server.on("error", [&](const ipcxx::ErrorEvent& e) {
        // W4s: the stuck subscriber's drops, its disconnection and its unsent queue at the end are
        // the slow-subscriber policy at work.
        const bool stuck_one = e.code == ipcxx::errc::messages_dropped || e.code == ipcxx::errc::subscriber_too_slow ||
                               e.code == ipcxx::errc::undelivered;
        if (!(o.stuck() && stuck_one)) bench::fail("ipcxx error: " + e.message);
    });

    std::mutex mutex;
    std::condition_variable changed;
    bool started = false, bye = false;
    std::size_t connected = 0;
    std::uint64_t requested = 0;  // W4: broadcasts asked for so far
    auto update = [&](auto&& f) {
        std::lock_guard<std::mutex> lock(mutex);
        f();
        changed.notify_all();
    };

    server.on("start", [&] { update([&] { started = true; }); });
    // With --io-threads, `connect` (and `go`, `bye`) of different connections may run at once: under `mutex`.
    server.on("connect", [&](ipcxx::Socket&) { update([&] { ++connected; }); });
    server.on("req", [&](const ipcxx::Payload& p, ipcxx::Socket& from) { from.emit("rep", p); });
    std::uint64_t received = 0;  // W3: only touched on the one connection's strand
    server.on("msg", [&](const ipcxx::Payload& p, ipcxx::Socket& from) {
        if (ipcxx_bench::seq_of(p) != received) bench::fail("stream message out of sequence");
        ++received;
        if ((received == o.warmup && o.warmup > 0) || received == o.warmup + o.messages) from.emit("ack", received);
    });
    server.on("go", [&](const ipcxx::Payload& p) { update([&] { requested += p.as<std::uint64_t>(); }); });
    server.on("bye", [&] { update([&] { bye = true; }); });

    if (o.tcp()) server.serve_net(o.host(), o.port());
    else server.serve(o.endpoint);
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait(lock, [&] { return started; });
    bench::ready();

    std::uint64_t sent = 0;
    for (;;) {
        // W4 waits for every client connection before broadcasting, as the other systems do.
        changed.wait(lock, [&] { return bye || (requested > sent && connected >= o.subscribers()); });
        if (bye) break;
        std::uint64_t until = requested;
        lock.unlock();
        for (; sent < until; ++sent) {
            if (auto ec = server.broadcast("b", ipcxx_bench::message(sent, payload)))
                bench::fail("broadcast: " + ec.message());
        }
        lock.lock();
    }
    return 0;
}
