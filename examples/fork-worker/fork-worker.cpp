// fork-worker: a C++ worker for a Node.js program, which starts it with Node's IPC channel
// (spawn(path, [], {stdio: [..., 'ipc']}) or fork(path, [], {execPath: path})); see server.js.
// Answers each message, in order, with exactly one message:
//   {"type":"compute","data":{"n":N}}  ->  {"type":"result","data":{"n":N,"sum":S}}
//     S = 0 + 1 + ... + (N-1): a JSON number while exact (up to 2^53), a decimal string beyond
//   anything else                      ->  {"type":"error","data":{"message":"..."}}
// A bad message is also reported on stderr, and the worker goes on. It exits 0 when the parent
// disconnects or goes away, 2 when it was not started with a channel.
#include <cstdio>
#include <future>
#include <string>

#include <ipcxx/channel.hpp>

#include "fork-worker/compute.hpp"

namespace {

// The JSON text of `text` as a string (what JSON.stringify gives).
std::string json_string(const std::string& text) { return ipcxx::Payload::from(text).to_json(); }

void answer(ipcxx::Channel& channel, const ipcxx::Payload& message) {
    const msgpack::object& value = message.object();
    const msgpack::object* type = fork_worker::member(value, "type");
    std::string error;
    if (type == nullptr || type->type != msgpack::type::STR) {
        error = "a message must be {\"type\":T,\"data\":D}, got " + message.to_json();
    } else if (std::string_view(type->via.str.ptr, type->via.str.size) != "compute") {
        error = "unknown message type " + json_string(std::string(type->via.str.ptr, type->via.str.size));
    } else {
        const msgpack::object* data = fork_worker::member(value, "data");
        const fork_worker::Answer computed = fork_worker::compute(data ? *data : msgpack::object());
        if (computed.error.empty()) {
            channel.send_json("{\"type\":\"result\",\"data\":" + computed.result + "}");
            return;
        }
        error = computed.error;
    }
    std::fprintf(stderr, "fork-worker: bad message: %s\n", error.c_str());
    channel.send_json("{\"type\":\"error\",\"data\":{\"message\":" + json_string(error) + "}}");
}

}  // namespace

int main() {
    std::error_code ec;
    auto channel = ipcxx::parent_channel(ec);
    if (!channel) {
        std::fprintf(stderr, "fork-worker: no channel to a parent (%s): start it from Node.js with an 'ipc' stdio entry\n",
                     ec.message().c_str());
        return 2;
    }
    std::promise<void> ended;
    channel->on_message([&channel](const ipcxx::Payload& message) { answer(*channel, message); });
    channel->on("error", [](const ipcxx::ErrorEvent& e) {
        std::fprintf(stderr, "fork-worker: channel error: %s\n", e.message.c_str());
    });
    channel->on("disconnect", [&] { ended.set_value(); });
    channel->start();
    ended.get_future().wait();
    return 0;
}
