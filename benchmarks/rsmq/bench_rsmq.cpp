// The C++ side of benchmarks/rsmq: sends N messages, then receives and deletes them, with W
// operations in flight, on an rsmq queue through ipcxx::Rsmq. Prints one JSON line: the count, the
// seconds of each phase and this process's CPU seconds over both.
// Usage: bench_rsmq [--rsmq-commands] REDIS_URL QUEUE MESSAGES WINDOW (--rsmq-commands: rsmq's own
// command sequence instead of ipcxx's batches)
#include <sys/resource.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <mutex>
#include <string>

#include <ipcxx/ipcxx.hpp>

namespace {

double cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Whether an operation succeeded; names the error on stderr when not.
bool report(const ipcxx::RsmqError& error) {
    if (error) std::cerr << "bench_rsmq: " << error.code.message() << ": " << error.message << "\n";
    return !error;
}

// Runs `count` operations with at most `window` in flight; `start(i, done)` begins operation i and
// calls done(ok) when it ends. Returns the seconds taken, or -1 after a failure.
double run_phase(long count, long window, const std::function<void(long, std::function<void(bool)>)>& start) {
    std::mutex mutex;
    std::condition_variable cv;
    long started = 0, ended = 0;
    bool failed = false;
    const auto begin = std::chrono::steady_clock::now();
    std::function<void()> next;
    std::function<void(bool)> on_end = [&](bool ok) {
        bool more = false;
        bool over = false;
        {
            std::lock_guard<std::mutex> lock(mutex);
            ++ended;
            failed = failed || !ok;
            more = started < count && !failed;
            over = ended == started && !more;
        }
        // Only the phase's end wakes the main thread: a wake-up per operation would cost this
        // side a futex call per message that the Node side does not pay.
        if (over) cv.notify_all();
        if (more) next();
    };
    next = [&] {
        long i = 0;
        {
            std::lock_guard<std::mutex> lock(mutex);
            if (started >= count) return;
            i = started++;
        }
        start(i, on_end);
    };
    for (long i = 0; i < window && i < count; ++i) next();
    std::unique_lock<std::mutex> lock(mutex);
    cv.wait(lock, [&] { return ended == started && (started == count || failed); });
    if (failed) return -1;
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
}

}  // namespace

int main(int argc, char** argv) {
    ipcxx::RsmqOptions options;
    if (argc > 1 && std::string(argv[1]) == "--rsmq-commands") {
        options.rsmq_commands = true;
        --argc;
        ++argv;
    }
    if (argc < 5) {
        std::cerr << "usage: bench_rsmq [--rsmq-commands] REDIS_URL QUEUE MESSAGES WINDOW\n";
        return 2;
    }
    ipcxx::RedisOptions redis;
    redis.url = argv[1];
    const std::string queue = argv[2];
    const long count = std::atol(argv[3]);
    const long window = std::atol(argv[4]);
    ipcxx::Rsmq rsmq(redis, options);
    rsmq.create_queue({queue}).get();
    const std::string body(100, 'x');
    const double cpu_before = cpu_seconds();
    const double send_seconds = run_phase(count, window, [&](long, std::function<void(bool)> done) {
        rsmq.send_message(queue, body, std::nullopt,
                          [done](const ipcxx::RsmqError& e, std::string) { done(report(e)); });
    });
    const double receive_seconds = run_phase(count, window, [&](long, std::function<void(bool)> done) {
        rsmq.receive_message(queue, std::nullopt,
                             [&rsmq, &queue, done](const ipcxx::RsmqError& e, std::optional<ipcxx::RsmqMessage> m) {
                                 if (!report(e)) return done(false);
                                 if (!m) std::cerr << "bench_rsmq: the queue was empty too early\n";
                                 if (!m) return done(false);
                                 auto deleted = [done, id = m->id](const ipcxx::RsmqError& e2, bool found) {
                                     if (!found) std::cerr << "bench_rsmq: " << id << " was gone\n";
                                     done(report(e2) && found);
                                 };
                                 rsmq.delete_message(queue, m->id, deleted);
                             });
    });
    const double cpu = cpu_seconds() - cpu_before;
    if (send_seconds < 0 || receive_seconds < 0) {
        std::cerr << "bench_rsmq: an operation failed\n";
        return 1;
    }
    std::cout << "{\"count\":" << count << ",\"send_seconds\":" << send_seconds
              << ",\"receive_seconds\":" << receive_seconds << ",\"cpu_seconds\":" << cpu << "}" << std::endl;
    return 0;
}
