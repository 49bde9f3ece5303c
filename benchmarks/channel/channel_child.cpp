// The channel benchmark's C++ child (node_child.js's counterpart): started with Node's IPC channel,
// it counts each "tick" and checks its sequence, answers "ping" with a "pong" of the same data, and
// answers "mark" with what it counted since the last mark and its CPU seconds so far. It exits 0
// when the parent disconnects.
#include <cstdio>
#include <future>

#include <ipcxx/channel.hpp>

#include "messages.hpp"

int main() {
    std::error_code ec;
    auto channel = ipcxx::parent_channel(ec);
    if (!channel) {
        std::fprintf(stderr, "channel_child: %s\n", ec.message().c_str());
        return 2;
    }
    // Handlers of one channel run one at a time: no lock for the counters.
    long long count = 0;
    long long next = 0;
    bool out_of_order = false;
    channel->on<channel_bench::Sequence>("tick", [&](const channel_bench::Sequence& tick) {
        out_of_order = out_of_order || tick.i != next;
        next = tick.i + 1;
        ++count;
    });
    channel->on("ping", [&](const ipcxx::Payload& data) {
        ++count;
        channel->emit("pong", data);
    });
    channel->on("mark", [&] {
        channel->emit("mark", channel_bench::Mark{count, out_of_order, channel_bench::cpu_seconds()});
        count = 0;
    });
    channel->on("error", [](const ipcxx::ErrorEvent& e) {
        std::fprintf(stderr, "channel_child: %s\n", e.message.c_str());
    });
    std::promise<void> ended;
    channel->on("disconnect", [&] { ended.set_value(); });
    channel->start();
    ended.get_future().wait();
    return 0;
}
