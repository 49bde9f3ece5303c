// The ipcxx server of the idle benchmark (public API only): answers each "hi" with "ok".
#include <ipcxx/ipcxx.hpp>

#include <condition_variable>
#include <mutex>

#include "idle.hpp"

int main(int argc, char** argv) {
    const auto o = idle::parse(argc, argv);
    idle::raise_fd_limit(o.clients);
    ipcxx::Config config;
    config.id = "idle";
    config.silent = true;
    config.wire = IPCXX_IDLE_JSON ? ipcxx::Wire::json : ipcxx::Wire::native;
    config.heartbeat = IPCXX_IDLE_PING ? ipcxx::HeartbeatMode::ping : ipcxx::HeartbeatMode::automatic;
    config.max_connections = o.clients;
    ipcxx::Server server{config};
    std::mutex mutex;
    std::condition_variable started;
    bool listening = false;
    server.on("error", [](const ipcxx::ErrorEvent& e) { idle::fail("ipcxx error: " + e.message); });
    server.on("start", [&] {
        std::lock_guard<std::mutex> lock(mutex);
        listening = true;
        started.notify_all();
    });
    server.on("hi", [](const ipcxx::Payload& p, ipcxx::Socket& from) { from.emit("ok", p); });
    if (o.tcp()) server.serve_net(o.host(), o.port());
    else server.serve(o.endpoint);
    std::unique_lock<std::mutex> lock(mutex);
    started.wait(lock, [&] { return listening; });
    idle::say("ready");
    started.wait(lock, [] { return false; });  // until killed
}
