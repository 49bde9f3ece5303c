// A C++ worker for the pool tests, started by WorkerPool with Node's IPC channel. It answers:
//   pid          its pid
//   sleep {ms}   its pid, after `ms` milliseconds (on a thread of its own, so the channel stays served)
//   crash        nothing: it exits at once with code 3
//   cancels      how many `sleep` requests the pool cancelled (ipcxx.cancel) so far
// With --exit-at-start it exits with code 7 before reading anything (a worker that cannot start).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include <unistd.h>

#include <ipcxx/channel.hpp>
#include <ipcxx/responder.hpp>

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], "--exit-at-start") == 0) return 7;
    std::error_code ec;
    auto channel = ipcxx::parent_channel(ec);
    if (!channel) return 2;

    std::mutex mutex;
    std::condition_variable ended;
    bool disconnected = false;
    channel->handle("pid", [](const ipcxx::Payload&) { return static_cast<int>(::getpid()); });
    std::atomic<int> cancels{0};
    channel->handle("cancels", [&cancels](const ipcxx::Payload&) { return cancels.load(); });
    channel->handle("sleep", [&cancels](ipcxx::Responder r) {
        r.on_cancel([&cancels](std::error_code) { ++cancels; });
        std::thread([r]() mutable {
            std::this_thread::sleep_for(std::chrono::milliseconds(r.args().as<int>()));
            r.reply(static_cast<int>(::getpid()));
        }).detach();
    });
    channel->handle("crash", [](const ipcxx::Payload&) { std::_Exit(3); });
    channel->on("disconnect", [&] {
        std::lock_guard<std::mutex> lock(mutex);
        disconnected = true;
        ended.notify_all();
    });
    channel->start();
    std::unique_lock<std::mutex> lock(mutex);
    ended.wait(lock, [&] { return disconnected; });
    return 0;
}
