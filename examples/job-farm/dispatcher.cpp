// dispatcher: the server of a job farm. Hands out N jobs with Server::distribute, each to the least
// busy connected worker (a client whose hello lists a handler for "job"); a job whose worker dies
// mid-job is sent to another worker by distribute itself. Prints one line per finished job on
// stdout, {"job":J,"worker":"worker-N","result":R}, and a summary on stderr. Exits 0 when every job
// finished, 1 otherwise.
// Usage: dispatcher --jobs N --job-ms MS (--unix PATH | --tcp HOST:PORT) [--timeout MS] [--workers K]
//   --timeout MS   each job's deadline, counted from the start of the distribution (default 60000)
//   --workers K    wait (up to 60 s, or --timeout if longer) until K clients have connected before
//                  distributing (default 0: at once;
//                  jobs then wait for a worker inside distribute, and the first worker to connect
//                  gets every waiting job)
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <string>

#include <ipcxx/ipcxx.hpp>

namespace {

struct Options {
    long jobs = -1;
    long job_ms = -1;
    long timeout_ms = 60000;
    long workers = 0;
    std::string unix_path;
    std::string tcp;
};

int usage() {
    std::cerr << "usage: dispatcher --jobs N --job-ms MS (--unix PATH | --tcp HOST:PORT) [--timeout MS] [--workers K]\n";
    return 2;
}

bool parse(int argc, char** argv, Options& o) {
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (i + 1 >= argc) return false;
        const std::string value = argv[++i];
        try {
            if (arg == "--jobs") o.jobs = std::stol(value);
            else if (arg == "--job-ms") o.job_ms = std::stol(value);
            else if (arg == "--timeout") o.timeout_ms = std::stol(value);
            else if (arg == "--workers") o.workers = std::stol(value);
            else if (arg == "--unix") o.unix_path = value;
            else if (arg == "--tcp") o.tcp = value;
            else return false;
        } catch (const std::exception&) {
            return false;
        }
    }
    return o.jobs >= 0 && o.job_ms >= 0 && o.timeout_ms > 0 && o.workers >= 0 &&
           (o.unix_path.empty() != o.tcp.empty());
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    if (!parse(argc, argv, options)) return usage();

    // Declared before the server, which is destroyed first: no handler outlives them.
    std::mutex mutex;
    std::condition_variable changed;
    long connected = 0;  // clients connected so far
    long done = 0;
    long failed = 0;
    long resent = 0;  // jobs that needed more than one attempt

    ipcxx::Config config;
    config.id = "dispatcher";
    ipcxx::Server server{config};

    server.on("connect", [&](ipcxx::Socket& s) {
        std::cerr << "dispatcher: " << (s.id().empty() ? s.remote_address() : s.id()) << " connected" << std::endl;
        std::lock_guard<std::mutex> lock(mutex);
        ++connected;
        changed.notify_all();
    });
    server.on("socket.disconnected", [&](ipcxx::Socket& s) {
        std::cerr << "dispatcher: " << (s.id().empty() ? s.remote_address() : s.id()) << " disconnected" << std::endl;
    });
    server.on("error", [](const ipcxx::ErrorEvent& e) { std::cerr << "dispatcher: " << e.message << std::endl; });

    try {
        if (!options.unix_path.empty()) {
            server.serve(options.unix_path);
            std::cerr << "dispatcher: listening on " << server.path() << std::endl;
        } else {
            const auto colon = options.tcp.rfind(':');
            if (colon == std::string::npos) return usage();
            server.serve_net(options.tcp.substr(0, colon),
                             static_cast<std::uint16_t>(std::stoi(options.tcp.substr(colon + 1))));
            std::cerr << "dispatcher: listening on port " << server.port() << std::endl;
        }
    } catch (const std::exception& e) {
        std::cerr << "dispatcher: " << e.what() << std::endl;
        return 1;
    }

    const auto timeout = std::chrono::milliseconds(options.timeout_ms);
    if (options.workers > 0) {
        std::unique_lock<std::mutex> lock(mutex);
        // Apart from the jobs' deadline, which may be shorter than a worker's first retry.
        const auto wait = std::max(timeout, std::chrono::milliseconds(60000));
        if (!changed.wait_for(lock, wait, [&] { return connected >= options.workers; })) {
            std::cerr << "dispatcher: " << connected << " of " << options.workers << " workers connected within "
                      << wait.count() << " ms" << std::endl;
            return 1;
        }
    }

    std::cerr << "dispatcher: distributing " << options.jobs << " jobs of " << options.job_ms << " ms" << std::endl;
    const auto start = std::chrono::steady_clock::now();
    for (long job = 0; job < options.jobs; ++job) {
        const std::map<std::string, std::int64_t> args{{"job", job}, {"ms", options.job_ms}};
        // on_response runs once per job, on the server's I/O thread.
        server.distribute("job", args, timeout, [&, job](const ipcxx::Response& r) {
            std::lock_guard<std::mutex> lock(mutex);
            if (r.attempts > 1) ++resent;
            if (r) {
                ++done;
                if (r.attempts > 1) {
                    std::cerr << "dispatcher: job " << job << " was sent " << r.attempts << " times, answered by "
                              << r.answered_by << std::endl;
                }
                std::cout << "{\"job\":" << job << ",\"worker\":" << ipcxx::Payload::from(r.answered_by).to_json()
                          << ",\"result\":" << r.data.to_json() << "}" << std::endl;
            } else {
                ++failed;
                std::cerr << "dispatcher: job " << job << " failed after " << r.attempts << " attempt(s)"
                          << (r.answered_by.empty() ? "" : " (last: " + r.answered_by + ")") << ": " << r.message
                          << std::endl;
            }
            changed.notify_all();
        });
    }

    std::unique_lock<std::mutex> lock(mutex);
    changed.wait(lock, [&] { return done + failed == options.jobs; });
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.2f", elapsed);
    std::cerr << "dispatcher: " << done << " jobs done, " << failed << " failed, " << resent
              << " sent more than once (attempts>1), " << seconds << " s" << std::endl;
    const int status = failed == 0 ? 0 : 1;
    lock.unlock();
    server.stop();
    return status;
}
