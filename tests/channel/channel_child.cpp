// A C++ program for the channel tests, started with a channel by Node or by the tests.
//   channel_child echo       parent_channel(): answers every message m with {"echo": m}, answers
//                            requests for "sum", writes "written by C++" through a received
//                            descriptor, disconnects on "bye"; exits 0 once the channel ended
//   channel_child check-fd   prints "<error value> <1 when NODE_CHANNEL_FD is gone>" and exits
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include <unistd.h>

#include "ipcxx/channel.hpp"

namespace channel_child {

int check_fd() {
    std::error_code ec;
    auto channel = ipcxx::parent_channel(ec);
    std::printf("%d %d\n", ec.value(), std::getenv("NODE_CHANNEL_FD") == nullptr ? 1 : 0);
    return 0;
}

int echo() {
    std::error_code ec;
    auto channel = ipcxx::parent_channel(ec);
    if (!channel) {
        std::fprintf(stderr, "parent_channel: %s\n", ec.message().c_str());
        return 2;
    }
    std::mutex mutex;
    std::condition_variable ended_cv;
    bool ended = false;
    ipcxx::Channel& c = *channel;
    c.on_message([&c](const ipcxx::Payload& m) {
        if (m.to_json() == "\"bye\"") {
            c.disconnect();
            return;
        }
        c.send_json("{\"echo\":" + m.to_json() + "}");
    });
    c.on_handle([](const ipcxx::Payload&, int fd) {
        const std::string text = "written by C++";
        if (::write(fd, text.data(), text.size()) < 0) std::perror("write to the received descriptor");
        ::close(fd);
    });
    c.handle<std::vector<long long>>("sum", [](const std::vector<long long>& numbers) {
        long long sum = 0;
        for (long long n : numbers) sum += n;
        return sum;
    });
    c.on("error", [](const ipcxx::ErrorEvent& e) { std::fprintf(stderr, "channel error: %s\n", e.message.c_str()); });
    c.on("disconnect", [&] {
        std::lock_guard<std::mutex> lock(mutex);
        ended = true;
        ended_cv.notify_all();
    });
    c.start();
    std::unique_lock<std::mutex> lock(mutex);
    return ended_cv.wait_for(lock, std::chrono::seconds(60), [&] { return ended; }) ? 0 : 3;
}

}  // namespace channel_child

int main(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "check-fd") return channel_child::check_fd();
    if (mode == "echo") return channel_child::echo();
    std::fprintf(stderr, "usage: channel_child echo|check-fd\n");
    return 2;
}
