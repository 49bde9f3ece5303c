// worker: a job farm's worker. Connects to the dispatcher (retrying until it is there: it may start
// first, and it waits for the next one when a dispatcher goes), lists "job" in its hello by handling
// it, and works through its jobs one at a time on a thread of its own, so that the client's I/O
// thread keeps reading, writing and sending heartbeats meanwhile. A job {job: J, ms: MS} takes MS
// milliseconds and answers J*J; a job cancelled by the dispatcher (cancel, deadline, or the
// connection dropped) stops early, or is skipped if it had not started yet.
// Prints on stderr when it starts, finishes or abandons a job. Stops on SIGINT / SIGTERM.
// With --handler-threads N, a job is instead a plain synchronous handler that blocks for MS
// milliseconds on the library's handler pool of N threads (Config::handler_threads); N = 0 blocks
// the I/O thread itself, which shows what the pool is for (heartbeats stop, the dispatcher drops us).
// Usage: worker --id worker-N (--unix PATH | --tcp HOST:PORT) [--handler-threads N]
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstdint>
#include <deque>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include <ipcxx/ipcxx.hpp>

#include "support/example.hpp"

namespace {

// The jobs received and not yet worked on, in order; the work thread takes them one by one.
class JobQueue {
public:
    void push(ipcxx::Responder r) {
        std::lock_guard<std::mutex> lock(mutex_);
        jobs_.push_back(std::move(r));
        changed_.notify_all();
    }
    // Wakes a job's wait (it was cancelled) or the idle thread.
    void poke() { changed_.notify_all(); }
    void close() {
        std::lock_guard<std::mutex> lock(mutex_);
        closed_ = true;
        changed_.notify_all();
    }
    // The next job; false once closed.
    bool pop(ipcxx::Responder& r) {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return closed_ || !jobs_.empty(); });
        if (closed_) return false;
        r = std::move(jobs_.front());
        jobs_.pop_front();
        return true;
    }
    // Waits for `duration`; false if the job was cancelled or the queue closed first.
    bool work_for(std::chrono::milliseconds duration, const ipcxx::Responder& r) {
        std::unique_lock<std::mutex> lock(mutex_);
        return !changed_.wait_for(lock, duration, [&] { return closed_ || r.cancelled(); });
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<ipcxx::Responder> jobs_;
    bool closed_ = false;
};

}  // namespace

int main(int argc, char** argv) {
    std::string id;
    std::string unix_path;
    std::string tcp;
    int handler_threads = -1;  // -1: jobs on the worker's own thread, with Responders
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string arg = argv[i];
        if (arg == "--id") id = argv[i + 1];
        else if (arg == "--unix") unix_path = argv[i + 1];
        else if (arg == "--tcp") tcp = argv[i + 1];
        else if (arg == "--handler-threads") handler_threads = std::atoi(argv[i + 1]);
        else id.clear(), i = argc;
    }
    if (argc % 2 == 0 || id.empty() || unix_path.empty() == tcp.empty() || handler_threads < -1) {
        std::cerr << "usage: worker --id worker-N (--unix PATH | --tcp HOST:PORT) [--handler-threads N]\n";
        return 2;
    }

    const example::StopSignals stop;  // before the I/O thread starts
    // Before the client, which is destroyed first: its handlers use them.
    JobQueue queue;
    const std::string me = id;
    bool linked = false;  // connected; handlers of one client never run concurrently
    std::atomic<bool> stopping{false};

    ipcxx::Config config;
    config.id = id;  // the hello's id: Response::answered_by on the dispatcher
    // Pings, not only the kernel's watch: the dispatcher then also drops a worker whose process is
    // alive but whose I/O thread is stuck, and sends its jobs elsewhere.
    config.heartbeat = ipcxx::HeartbeatMode::ping;
    if (handler_threads > 0) config.handler_threads = static_cast<std::size_t>(handler_threads);
    ipcxx::Client client{config};
    // Handling "job" puts it in the hello's "handles": the dispatcher's distribute picks this client.
    if (handler_threads < 0) {
        client.handle("job", [&](ipcxx::Responder r) {
            r.on_cancel([&](std::error_code) { queue.poke(); });
            queue.push(std::move(r));
        });
    } else {
        client.handle("job", [&](const ipcxx::Payload& args) {
            const auto job = args.as<std::map<std::string, std::int64_t>>();
            std::cerr << me << ": started job " << job.at("job") << " (blocking a handler thread)" << std::endl;
            std::this_thread::sleep_for(std::chrono::milliseconds(job.at("ms")));
            std::cerr << me << ": finished job " << job.at("job") << std::endl;
            return job.at("job") * job.at("job");
        });
    }
    client.on("connect", [&] {
        linked = true;
        std::cerr << me << ": connected to the dispatcher" << std::endl;
    });
    client.on("disconnect", [&] {
        // Also after each failed attempt: only a lost connection is news.
        if (linked) std::cerr << me << (stopping ? ": disconnected" : ": disconnected, retrying") << std::endl;
        linked = false;
    });
    client.on("error", [&](const ipcxx::ErrorEvent& e) {
        // A dispatcher that is not there yet is the usual case: the client retries by itself.
        // (Compared by value: the code is in asio's own category, which std::errc does not match.)
        const bool not_there = e.code.value() == ECONNREFUSED || e.code.value() == ENOENT;
        if (!(not_there && !client.connected())) {
            std::cerr << me << ": " << e.message << std::endl;
        }
    });

    std::thread work([&] {
        ipcxx::Responder r;
        while (queue.pop(r)) {
            std::int64_t job = -1;
            std::int64_t ms = 0;
            try {
                const auto args = r.args().as<std::map<std::string, std::int64_t>>();
                job = args.at("job");
                ms = args.at("ms");
            } catch (const std::exception& e) {
                r.fail("bad_request", std::string("a job is {job: integer, ms: integer}: ") + e.what());
                continue;
            }
            if (r.cancelled()) {
                std::cerr << me << ": skipped job " << job << " (" << r.cancel_reason().message() << ")" << std::endl;
                continue;
            }
            std::cerr << me << ": started job " << job << std::endl;
            if (!queue.work_for(std::chrono::milliseconds(ms), r)) {
                std::cerr << me << ": abandoned job " << job
                          << (r.cancelled() ? " (" + r.cancel_reason().message() + ")" : std::string(" (stopping)"))
                          << std::endl;
                continue;
            }
            const std::int64_t result = job * job;
            const auto ec = r.reply(result);
            std::cerr << me << ": finished job " << job << " -> " << result
                      << (ec ? " (not delivered: " + ec.message() + ")" : std::string()) << std::endl;
        }
    });

    if (!unix_path.empty()) {
        client.connect_to("dispatcher", unix_path);
    } else {
        const auto colon = tcp.rfind(':');
        client.connect_to_net("dispatcher", tcp.substr(0, colon),
                              static_cast<std::uint16_t>(std::stoi(tcp.substr(colon + 1))));
    }
    stop.wait_for_stop();
    stopping = true;
    queue.close();
    work.join();
    return 0;
}
