// The bus's own rates against one redis-server: emit -> handle (a producer bus and a consumer bus in
// this process) and request round trips (a requester and a responder bus). Prints one JSON line:
// the rate and the CPU seconds (user + system) this process spent in the timed phase.
// Usage: bus_bench --redis URL --mode emit|request [--messages N] [--inflight K]
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>

#include <ipcxx/bus.hpp>

namespace {

double cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

struct Args {
    std::string redis;
    std::string mode = "emit";
    long messages = 100000;
    long inflight = 1;
};

Args parse(int argc, char** argv) {
    Args args;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i], value = argv[i + 1];
        if (flag == "--redis") args.redis = value;
        else if (flag == "--mode") args.mode = value;
        else if (flag == "--messages") args.messages = std::stol(value);
        else if (flag == "--inflight") args.inflight = std::stol(value);
        else {
            std::fprintf(stderr, "bus_bench: unknown flag %s\n", flag.c_str());
            std::exit(2);
        }
    }
    if (args.redis.empty() || args.messages <= 0 || args.inflight <= 0) {
        std::fprintf(stderr, "usage: bus_bench --redis URL --mode emit|request [--messages N] [--inflight K]\n");
        std::exit(2);
    }
    return args;
}

ipcxx::BusOptions options(const Args& args, bool consume) {
    ipcxx::BusOptions o;
    o.redis.url = args.redis;
    o.name = "bench";
    o.consume = consume;
    o.batch = 512;
    o.block = std::chrono::milliseconds(100);
    return o;
}

// Counts down to zero; wait() returns when it gets there or `limit` passes (false then), and is
// false too when more came than were counted on.
class Countdown {
public:
    explicit Countdown(long n) : left_(n) {}
    void done() {
        std::lock_guard<std::mutex> lock(mutex_);
        if (--left_ == 0) cv_.notify_all();
    }
    bool wait(std::chrono::seconds limit) {
        std::unique_lock<std::mutex> lock(mutex_);
        return cv_.wait_for(lock, limit, [this] { return left_ <= 0; }) && left_ == 0;
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    long left_;
};

void print(const Args& args, const char* unit, long count, double seconds, double cpu) {
    std::printf("{\"system\":\"ipcxx_bus\",\"mode\":\"%s\",\"messages\":%ld,\"inflight\":%ld,\"%s\":%.0f,"
                "\"seconds\":%.3f,\"cpu_seconds\":%.3f}\n",
                args.mode.c_str(), count, args.inflight, unit, count / seconds, seconds, cpu);
}

int emit_to_handle(const Args& args) {
    ipcxx::Bus consumer(options(args, true));
    Countdown handled(args.messages);
    const std::string body(64, 'x');
    const std::string packed(ipcxx::Payload::from(body).msgpack());
    std::atomic<long> wrong{0};
    consumer.on("tick", [&](const ipcxx::Payload& data) {
        if (data.msgpack() != packed) ++wrong;
        handled.done();
    });
    consumer.start();
    ipcxx::Bus producer(options(args, false));
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = cpu_seconds();
    for (long i = 0; i < args.messages; ++i) {
        if (auto ec = producer.emit("tick", body)) {
            std::fprintf(stderr, "bus_bench: emit: %s\n", ec.message().c_str());
            return 1;
        }
    }
    if (!handled.wait(std::chrono::seconds(300)) || wrong > 0) {
        std::fprintf(stderr, "bus_bench: not every event was handled once in time, or %ld came changed\n", wrong.load());
        return 1;
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    print(args, "events_per_s", args.messages, took.count(), cpu_seconds() - cpu_start);
    return 0;
}

int round_trips(const Args& args) {
    ipcxx::Bus responder(options(args, true));
    responder.handle<long>("echo", [](long n) { return n; });
    responder.start();
    ipcxx::Bus requester(options(args, false));
    Countdown answered(args.messages);
    std::atomic<long> sent{0};
    std::atomic<long> failed{0};
    // Each answer sends the next request: `inflight` chains run side by side.
    std::function<void()> next = [&] {
        const long n = sent.fetch_add(1);
        if (n >= args.messages) return;
        requester.request("echo", n, std::chrono::milliseconds(10000), [&](const ipcxx::Response& response) {
            if (!response) ++failed;
            next();
            // Last: once the count reaches zero, the main thread destroys what this lambda uses.
            answered.done();
        });
    };
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = cpu_seconds();
    for (long i = 0; i < args.inflight; ++i) next();
    if (!answered.wait(std::chrono::seconds(300)) || failed > 0) {
        std::fprintf(stderr, "bus_bench: %ld requests failed or did not end in time\n", failed.load());
        return 1;
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    print(args, "round_trips_per_s", args.messages, took.count(), cpu_seconds() - cpu_start);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const Args args = parse(argc, argv);
    return args.mode == "request" ? round_trips(args) : emit_to_handle(args);
}
