// The channel benchmark's C++ parent (node_parent.js's counterpart, the same flags and output):
// starts the child command given after "--" with Node's IPC channel (StdioSlot::ipc() at fd 3), runs
// a warm-up phase then the timed phase, and prints one JSON line: count, seconds, and the CPU seconds
// of the parent and of the child during the timed phase.
//   stream:    one-way {"type":"tick","data":{"i":n}} emitted from the main thread; a refused emit
//              (queue_full) waits for `drain`; the child's count must match at the end
//   roundtrip: {"type":"ping","data":{"i":n}} answered by a pong with the same i, one in flight;
//              each next ping is emitted from the pong handler, on the I/O thread
// Usage: channel_parent --workload stream|roundtrip --messages N --warmup N [--child-cpu C]
//        -- CHILD COMMAND...
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include <ipcxx/child_process.hpp>
#include <ipcxx/error.hpp>

#include "messages.hpp"

namespace {

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "channel_parent: %s\n", what.c_str());
    std::exit(1);
}

struct Options {
    std::string workload = "stream";
    long long messages = 1000;
    long long warmup = 0;
    std::string child_cpu;
    std::vector<std::string> child;
};

Options parse(int argc, char** argv) {
    Options o;
    int i = 1;
    for (; i < argc && std::string(argv[i]) != "--"; i += 2) {
        const std::string flag = argv[i];
        if (i + 1 >= argc) fail("no value for " + flag);
        const std::string value = argv[i + 1];
        if (flag == "--workload") o.workload = value;
        else if (flag == "--messages") o.messages = std::stoll(value);
        else if (flag == "--warmup") o.warmup = std::stoll(value);
        else if (flag == "--child-cpu") o.child_cpu = value;
        else fail("unknown flag " + flag);
    }
    if (o.workload != "stream" && o.workload != "roundtrip") fail("unknown workload " + o.workload);
    for (++i; i < argc; ++i) o.child.push_back(argv[i]);
    if (o.child.empty()) fail("no child command after --");
    return o;
}

// What the handlers tell the main thread: the last mark answer, pongs, drains, the child's end.
class State {
public:
    void set_mark(channel_bench::Mark mark) {
        std::lock_guard<std::mutex> lock(mutex_);
        mark_ = mark;
        ++marks_;
        changed_.notify_all();
    }
    channel_bench::Mark wait_mark(int number) {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!changed_.wait_for(lock, std::chrono::seconds(120), [&] { return marks_ >= number || ended_; }) || ended_) {
            fail("no answer to mark " + std::to_string(number));
        }
        return mark_;
    }
    void set_round_trips_done() {
        std::lock_guard<std::mutex> lock(mutex_);
        ++round_trip_phases_;
        changed_.notify_all();
    }
    void wait_round_trips_done(int phase) {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!changed_.wait_for(lock, std::chrono::seconds(120), [&] { return round_trip_phases_ >= phase || ended_; }) ||
            ended_) {
            fail("round trips did not finish");
        }
    }
    void drained() {
        std::lock_guard<std::mutex> lock(mutex_);
        ++drains_;
        changed_.notify_all();
    }
    int drains() {
        std::lock_guard<std::mutex> lock(mutex_);
        return drains_;
    }
    void wait_drain_after(int seen) {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!changed_.wait_for(lock, std::chrono::seconds(120), [&] { return drains_ > seen || ended_; }) || ended_) {
            fail("the send queue never drained");
        }
    }
    void set_ended(ipcxx::ExitStatus status) {
        std::lock_guard<std::mutex> lock(mutex_);
        ended_ = true;
        status_ = status;
        changed_.notify_all();
    }
    ipcxx::ExitStatus wait_ended() {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!changed_.wait_for(lock, std::chrono::seconds(30), [&] { return ended_; })) fail("the child did not end");
        return status_;
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    channel_bench::Mark mark_;
    int marks_ = 0;
    int round_trip_phases_ = 0;
    int drains_ = 0;
    bool ended_ = false;
    ipcxx::ExitStatus status_;
};

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    State state;
    ipcxx::ChildProcess child;
    ipcxx::Channel& channel = child.channel();

    // Round trips: the range [first, end) of the phase running, advanced by the pong handler.
    long long next_ping = 0;
    long long end_ping = 0;
    channel.on<channel_bench::Sequence>("pong", [&](const channel_bench::Sequence& pong) {
        if (pong.i != next_ping - 1) fail("pong " + std::to_string(pong.i) + " out of order");
        if (next_ping == end_ping) return state.set_round_trips_done();
        channel.emit("ping", channel_bench::Sequence{next_ping++});
    });
    channel.on<channel_bench::Mark>("mark", [&](const channel_bench::Mark& mark) { state.set_mark(mark); });
    channel.on("drain", [&] { state.drained(); });
    channel.on("error", [](const ipcxx::ErrorEvent& e) { fail("channel error: " + e.message); });
    child.on_error([](const ipcxx::ProcessError& e) { fail(e.message); });
    child.on_close([&](ipcxx::ExitStatus status) { state.set_ended(status); });

    ipcxx::SpawnOptions options;
    // The child's stdout goes to our stderr: our stdout carries the result line alone.
    options.stdio = {ipcxx::StdioSlot::ignore(), ipcxx::StdioSlot::from_fd(2), ipcxx::StdioSlot::inherit(),
                     ipcxx::StdioSlot::ipc()};
    std::vector<std::string> command = o.child;
    if (!o.child_cpu.empty()) command.insert(command.begin(), {"taskset", "-c", o.child_cpu});
    const std::string program = command.front();
    command.erase(command.begin());
    if (const auto error = child.spawn(program, command, options)) fail("spawn: " + error.message());

    int marks = 0;
    int round_trip_phase = 0;
    auto run = [&](long long n, long long first) {
        if (n == 0) return;
        if (o.workload == "stream") {
            for (long long i = first; i < first + n;) {
                const int drains_before = state.drains();
                const std::error_code error = channel.emit("tick", channel_bench::Sequence{i});
                if (!error) {
                    ++i;
                } else if (error == ipcxx::errc::queue_full) {
                    state.wait_drain_after(drains_before);
                } else {
                    fail("emit: " + error.message());
                }
            }
        } else {
            next_ping = first + 1;
            end_ping = first + n;
            channel.emit("ping", channel_bench::Sequence{first});
            state.wait_round_trips_done(++round_trip_phase);
        }
    };
    auto mark = [&](long long expected) {
        channel.emit("mark");
        const channel_bench::Mark answer = state.wait_mark(++marks);
        if (answer.count != expected || answer.outOfOrder) {
            fail("the child counted " + std::to_string(answer.count) + " of " + std::to_string(expected) +
                 (answer.outOfOrder ? ", out of order" : ""));
        }
        return answer.cpu;
    };

    run(o.warmup, 0);
    const double child_cpu_before = mark(o.warmup);
    const double cpu_before = channel_bench::cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    run(o.messages, o.warmup);
    const double child_cpu_after = mark(o.messages);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double cpu_parent = channel_bench::cpu_seconds() - cpu_before;

    channel.disconnect();
    const ipcxx::ExitStatus status = state.wait_ended();
    if (status.code != 0) fail("the child exited with code " + std::to_string(status.code.value_or(-1)));
    std::printf("{\"workload\":\"%s\",\"count\":%lld,\"seconds\":%.9f,\"cpu_parent_s\":%.6f,\"cpu_child_s\":%.6f}\n",
                o.workload.c_str(), o.messages, seconds, cpu_parent, child_cpu_after - child_cpu_before);
    return 0;
}
