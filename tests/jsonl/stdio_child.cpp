// A program whose own stdin and stdout are a JSON-lines channel (ipcxx::stdio_channel()), run by
// the jsonl tests. It prints a stray line with printf (which must land on stderr, not in the
// stream), then emits "ready" and answers:
//   echo  D    -> echo D
//   probe      -> probe {"second_call": <error of a second stdio_channel()>,
//                        "send_fd": <error of sending a descriptor>}
// Every `error` event of the channel (bad input) is answered with
//   bad_input {"code": <error name>, "message": <its message>}
// and also written to stderr as "error: <its message>" (the answer may no longer be deliverable).
// and it exits 0 at the channel's `disconnect` (EOF on stdin), 3 when nothing ends it in 30 s.
#include <chrono>
#include <cstdio>
#include <future>
#include <map>
#include <string>

#include <ipcxx/json_lines.hpp>
#include <ipcxx/error.hpp>

int main() {
    std::error_code ec;
    auto channel = ipcxx::stdio_channel(ec);
    if (!channel) {
        std::fprintf(stderr, "stdio_child: stdio_channel: %s\n", ec.message().c_str());
        return 2;
    }
    std::printf("a stray line on stdout\n");
    std::fflush(stdout);

    std::promise<void> ended;
    channel->on("echo", [&](const ipcxx::Payload& data) { channel->emit("echo", data); });
    channel->on("probe", [&](const ipcxx::Payload&) {
        std::error_code second;
        const auto again = ipcxx::stdio_channel(second);
        const ipcxx::SendStatus with_fd = channel->send(ipcxx::Payload::from_json("{}"), 2);
        channel->emit("probe", std::map<std::string, std::string>{
                                   {"second_call", again ? "accepted" : second.message()},
                                   {"send_fd", with_fd.accepted() ? "accepted" : with_fd.error.message()}});
    });
    channel->on("error", [&](const ipcxx::ErrorEvent& e) {
        std::fprintf(stderr, "error: %s\n", e.message.c_str());
        channel->emit("bad_input", std::map<std::string, std::string>{{"code", e.code.message()},
                                                                      {"message", e.message}});
    });
    channel->on("disconnect", [&] { ended.set_value(); });
    channel->emit("ready");  // queued before start(): the first line out, whatever arrives meanwhile
    channel->start();
    return ended.get_future().wait_for(std::chrono::seconds(30)) == std::future_status::ready ? 0 : 3;
}
