// service: a C++ program that keeps a pool of Node.js workers (worker.js) and sends them requests.
// Each request asks a worker for the sum of 0..n-1; the pool gives it to the least busy worker,
// and to another one if its worker dies first. Prints one line per answer on stdout,
// {"n":N,"sum":S,"pid":P,"attempts":A}, and a summary on stderr. Exits 0 when every request was
// answered with the right sum, 1 otherwise.
// Usage: service [--node PATH] [--worker PATH] [--workers K] [--requests N] [--kill-one]
//   --kill-one   kills one worker with SIGKILL once the first answer is in: its request goes to
//                another worker and the pool starts a new one
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include <signal.h>

#include <ipcxx/worker_pool.hpp>

namespace {

struct Options {
    std::string node = "node";
    std::string worker = "worker.js";
    std::size_t workers = 3;
    long requests = 12;
    bool kill_one = false;
};

bool parse(int argc, char** argv, Options& o) {
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--kill-one") {
            o.kill_one = true;
            continue;
        }
        if (i + 1 >= argc) return false;
        const std::string value = argv[++i];
        try {
            if (arg == "--node") o.node = value;
            else if (arg == "--worker") o.worker = value;
            else if (arg == "--workers") o.workers = std::stoul(value);
            else if (arg == "--requests") o.requests = std::stol(value);
            else return false;
        } catch (const std::exception&) {
            return false;
        }
    }
    return o.workers > 0 && o.requests > 0;
}

// Sum of 0..n-1, as the worker computes it.
long long expected_sum(long n) { return static_cast<long long>(n) * (n - 1) / 2; }

}  // namespace

int main(int argc, char** argv) {
    Options o;
    if (!parse(argc, argv, o)) {
        std::cerr << "usage: service [--node PATH] [--worker PATH] [--workers K] [--requests N] [--kill-one]\n";
        return 2;
    }

    ipcxx::WorkerPoolOptions options;
    options.program = o.node;
    options.args = {o.worker};
    options.size = o.workers;
    options.request_timeout = std::chrono::seconds(30);
    ipcxx::WorkerPool pool(options);

    std::mutex mutex;
    std::condition_variable all_done;
    std::set<pid_t> live;
    long answered = 0;
    long failed = 0;
    bool killed = false;
    pool.on_worker_spawn([&](std::uint64_t, pid_t pid) {
        std::lock_guard<std::mutex> lock(mutex);
        live.insert(pid);
    });
    pool.on_worker_exit([&](std::uint64_t worker, ipcxx::ExitStatus status) {
        std::cerr << "worker " << worker << " exited"
                  << (status.signal ? " by " + ipcxx::signal_name(*status.signal) : std::string()) << "\n";
    });
    pool.on_error([](std::uint64_t worker, const ipcxx::ProcessError& e) {
        std::cerr << "worker " << worker << ": " << e.message << "\n";
    });
    if (std::error_code ec = pool.start()) {
        std::cerr << "start: " << ec.message() << "\n";
        return 1;
    }

    for (long i = 0; i < o.requests; ++i) {
        const long n = 20000000 + i;  // some tens of milliseconds of work for a worker
        pool.request("sum", std::map<std::string, long>{{"n", n}}, [&, n](const ipcxx::Response& r) {
            std::lock_guard<std::mutex> lock(mutex);
            const auto result = r ? r.data.as<std::map<std::string, long long>>() : std::map<std::string, long long>{};
            if (r && result.count("sum") && result.at("sum") == expected_sum(n)) {
                std::printf("{\"n\":%ld,\"sum\":%lld,\"pid\":%lld,\"attempts\":%u}\n", n, result.at("sum"),
                            result.count("pid") ? result.at("pid") : -1LL, r.attempts);
                std::fflush(stdout);
                ++answered;
            } else {
                std::cerr << "request n=" << n << " failed: " << (r ? "wrong sum" : r.message) << "\n";
                ++failed;
            }
            if (o.kill_one && !killed && !live.empty()) {
                killed = true;
                ::kill(*live.begin(), SIGKILL);  // a worker that is busy with the next request
            }
            if (answered + failed == o.requests) all_done.notify_all();
        });
    }

    std::unique_lock<std::mutex> lock(mutex);
    all_done.wait(lock, [&] { return answered + failed == o.requests; });
    std::cerr << answered << " answered, " << failed << " failed\n";
    return failed == 0 ? 0 : 1;
}
