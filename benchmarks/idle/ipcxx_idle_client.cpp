// The ipcxx clients of the idle benchmark (public API only): --clients Client objects on one
// io_context run by one thread; each emits "hi" once connected and counts its "ok".
#include <ipcxx/ipcxx.hpp>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "idle.hpp"

int main(int argc, char** argv) {
    const auto o = idle::parse(argc, argv);
    idle::raise_fd_limit(o.clients);
    asio::io_context io;
    auto work = asio::make_work_guard(io);
    std::thread runner([&] { io.run(); });
    idle::ready_then_wait();

    ipcxx::Config config;
    config.silent = true;
    config.wire = IPCXX_IDLE_JSON ? ipcxx::Wire::json : ipcxx::Wire::native;
    config.heartbeat = IPCXX_IDLE_PING ? ipcxx::HeartbeatMode::ping : ipcxx::HeartbeatMode::automatic;
    config.stop_retrying = true;
    std::mutex mutex;
    std::condition_variable changed;
    std::size_t answered = 0;
    std::vector<std::unique_ptr<ipcxx::Client>> clients;
    clients.reserve(o.clients);
    for (std::size_t i = 0; i < o.clients; ++i) {
        {
            // At most `in_flight` connects pending: the listen backlog is not the thing measured.
            std::unique_lock<std::mutex> lock(mutex);
            changed.wait(lock, [&] { return i < answered + idle::in_flight; });
        }
        auto& client = *clients.emplace_back(std::make_unique<ipcxx::Client>(io, config));
        client.on("error", [](const ipcxx::ErrorEvent& e) { idle::fail("ipcxx error: " + e.message); });
        client.on("connect", [&client, i] { client.emit("hi", i); });
        client.on("ok", [&, i](const ipcxx::Payload& p) {
            if (p.as<std::size_t>() != i) idle::fail("an answer for another connection");
            std::lock_guard<std::mutex> lock(mutex);
            ++answered;
            changed.notify_all();
        });
        if (o.tcp()) client.connect_to_net("idle", o.host(), o.port());
        else client.connect_to("idle", o.endpoint);
    }
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait(lock, [&] { return answered == o.clients; });
    idle::say("answered " + std::to_string(answered));
    changed.wait(lock, [] { return false; });  // until killed
    runner.join();
}
