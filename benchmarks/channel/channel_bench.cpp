// Messages/s and round trips/s over Node's IPC channel (serialization 'json'):
//   C++ parent <-> C++ child (this program started again with an ipc slot),
//   C++ parent <-> Node child (channel_peer.js),
//   Node parent <-> Node child (channel_peer.js run by node: fork() and process.send).
// Stream: N one-way messages {"s":<64 bytes>}, timed until the child's count comes back.
// Round trips: {"e":i} echoed, 64 in flight.
//   channel_bench [messages] [round_trips]      (defaults 200000, 100000)
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

#include <ipcxx/channel.hpp>
#include <ipcxx/child_process.hpp>

namespace channel_bench {

const std::string script = IPCXX_CHANNEL_BENCH_DIR "/channel_peer.js";

// The C++ child: the same protocol as channel_peer.js's child.
int child() {
    auto channel = ipcxx::parent_channel();
    std::mutex mutex;
    std::condition_variable cv;
    bool ended = false;
    long count = 0;
    ipcxx::Channel& c = *channel;
    c.on_message([&](const ipcxx::Payload& m) {
        const msgpack::object& o = m.object();
        if (o.type == msgpack::type::STR) return c.disconnect();
        const std::string_view key(o.via.map.ptr[0].key.via.str.ptr, o.via.map.ptr[0].key.via.str.size);
        if (key == "s") {
            ++count;
        } else if (key == "end") {
            c.send_json("{\"count\":" + std::to_string(count) + "}");
            count = 0;
        } else {
            c.send(m);
        }
    });
    c.on("disconnect", [&] {
        std::lock_guard<std::mutex> lock(mutex);
        ended = true;
        cv.notify_all();
    });
    c.start();
    std::unique_lock<std::mutex> lock(mutex);
    cv.wait(lock, [&] { return ended; });
    return 0;
}

struct Result {
    double stream_per_s = 0;
    double round_trips_per_s = 0;
};

// Runs both phases against a child started as `program args` with a channel at fd 3.
Result measure(const std::string& program, const std::vector<std::string>& args, long messages, long round_trips) {
    using clock = std::chrono::steady_clock;
    ipcxx::ChildProcess process;
    ipcxx::Channel& c = process.channel();
    std::mutex mutex;
    std::condition_variable cv;
    bool done = false;
    bool closed = false;
    Result result;
    clock::time_point start;
    long sent = 0;
    long received = 0;
    const auto seconds = [&] { return std::chrono::duration<double>(clock::now() - start).count(); };
    const auto send_echo = [&](long i) { c.send_json("{\"e\":" + std::to_string(i) + "}"); };
    c.on_message([&](const ipcxx::Payload& m) {
        const msgpack::object& o = m.object();
        const std::string_view key(o.via.map.ptr[0].key.via.str.ptr, o.via.map.ptr[0].key.via.str.size);
        if (key == "count") {
            result.stream_per_s = static_cast<double>(o.via.map.ptr[0].val.as<long>()) / seconds();
            start = clock::now();
            for (; sent < 64; ++sent) send_echo(sent);
            return;
        }
        ++received;
        if (sent < round_trips) send_echo(sent++);
        if (received == round_trips) {
            result.round_trips_per_s = static_cast<double>(round_trips) / seconds();
            std::lock_guard<std::mutex> lock(mutex);
            done = true;
            cv.notify_all();
        }
    });
    process.on_close([&](ipcxx::ExitStatus) {
        std::lock_guard<std::mutex> lock(mutex);
        closed = true;
        cv.notify_all();
    });
    ipcxx::SpawnOptions options;
    options.stdio = {ipcxx::StdioSlot::inherit(), ipcxx::StdioSlot::inherit(), ipcxx::StdioSlot::inherit(),
                     ipcxx::StdioSlot::ipc()};
    if (process.spawn(program, args, options)) return result;
    const std::string line = "{\"s\":\"" + std::string(64, 'x') + "\"}";
    start = clock::now();
    for (long i = 0; i < messages; ++i) c.send_json(line);
    c.send_json("{\"end\":1}");
    std::unique_lock<std::mutex> lock(mutex);
    cv.wait(lock, [&] { return done || closed; });
    c.send_json("\"bye\"");
    cv.wait(lock, [&] { return closed; });
    return result;
}

Result node_to_node(long messages, long round_trips) {
    Result result;
    std::string out;
    ipcxx::ChildProcess node;
    std::mutex mutex;
    std::condition_variable cv;
    bool closed = false;
    node.on_stdout([&](std::string_view bytes) { out.append(bytes); });
    node.on_close([&](ipcxx::ExitStatus) {
        std::lock_guard<std::mutex> lock(mutex);
        closed = true;
        cv.notify_all();
    });
    node.spawn("node", {script, std::to_string(messages), std::to_string(round_trips)});
    std::unique_lock<std::mutex> lock(mutex);
    cv.wait(lock, [&] { return closed; });
    const ipcxx::Payload p = ipcxx::Payload::from_json(out);
    p.object().via.map.ptr[0].val.convert(result.stream_per_s);
    p.object().via.map.ptr[1].val.convert(result.round_trips_per_s);
    return result;
}

}  // namespace channel_bench

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "child") return channel_bench::child();
    const long messages = argc > 1 ? std::atol(argv[1]) : 200000;
    const long round_trips = argc > 2 ? std::atol(argv[2]) : 100000;
    std::printf("%-22s %14s %16s\n", "peers", "messages/s", "round trips/s");
    const auto print = [](const char* name, channel_bench::Result r) {
        std::printf("%-22s %14.0f %16.0f\n", name, r.stream_per_s, r.round_trips_per_s);
    };
    print("C++ -> C++", channel_bench::measure("/proc/self/exe", {"child"}, messages, round_trips));
    print("C++ -> Node", channel_bench::measure("node", {channel_bench::script, "child"}, messages, round_trips));
    print("Node -> Node (fork)", channel_bench::node_to_node(messages, round_trips));
    return 0;
}
