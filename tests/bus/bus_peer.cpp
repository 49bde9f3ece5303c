// A bus consumer in a child process, for the bus tests: handles "job" events (printing each one,
// then working `work_ms` on it) and answers "add" requests, until its stdin ends. "hold" requests
// are held unanswered (printed); when one is cancelled, that is printed, and it is answered anyway,
// printing whether the late answer was dropped.
// Usage: ipcxx_bus_peer <redis url> <bus> <group> <consumer> <work_ms>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ipcxx/bus.hpp"
#include "ipcxx/error.hpp"
#include "ipcxx/responder.hpp"

int main(int argc, char** argv) {
    if (argc != 6) {
        std::fprintf(stderr, "usage: %s <redis url> <bus> <group> <consumer> <work_ms>\n", argv[0]);
        return 2;
    }
    ipcxx::BusOptions options;
    options.redis.url = argv[1];
    options.redis.retry = std::chrono::milliseconds(20);
    options.redis.retry_max = std::chrono::milliseconds(200);
    options.name = argv[2];
    options.group = argv[3];
    options.consumer = argv[4];
    options.block = std::chrono::milliseconds(200);
    options.batch = 8;
    const std::chrono::milliseconds work(std::stoi(argv[5]));
    // Before the bus: its handlers may run until the bus's destructor returns.
    std::mutex held_mutex;
    std::map<int, ipcxx::Responder> held;
    ipcxx::Bus bus(options);
    bus.on("job", [&](const ipcxx::Payload& data) {
        std::printf("{\"ev\":\"job\",\"n\":%d}\n", data.as<int>());
        std::fflush(stdout);
        // The work a real consumer does; the SIGKILL test kills this process in the middle of it.
        std::this_thread::sleep_for(work);
    });
    bus.handle<std::vector<int>>("add", [](const std::vector<int>& terms) {
        int sum = 0;
        for (int term : terms) sum += term;
        return sum;
    });
    bus.handle("hold", [&](ipcxx::Responder responder) {
        const int n = responder.args().as<int>();
        responder.on_cancel([&, n](std::error_code reason) {
            const char* why = reason == ipcxx::errc::request_cancelled ? "cancelled"
                              : reason == ipcxx::errc::request_timeout ? "timeout"
                                                                       : "other";
            std::printf("{\"ev\":\"cancelled\",\"n\":%d,\"reason\":\"%s\"}\n", n, why);
            ipcxx::Responder late;
            {
                std::lock_guard<std::mutex> lock(held_mutex);
                late = std::move(held[n]);
                held.erase(n);
            }
            const bool dropped = late.reply(n) == ipcxx::errc::request_cancelled;
            std::printf("{\"ev\":\"late\",\"n\":%d,\"dropped\":%s}\n", n, dropped ? "true" : "false");
            std::fflush(stdout);
        });
        {
            std::lock_guard<std::mutex> lock(held_mutex);
            held[n] = std::move(responder);
        }
        std::printf("{\"ev\":\"held\",\"n\":%d}\n", n);
        std::fflush(stdout);
    });
    bus.on("connect", [] {
        std::printf("{\"ev\":\"connect\"}\n");
        std::fflush(stdout);
    });
    bus.start();
    std::string line;
    while (std::getline(std::cin, line)) {
    }
    return 0;
}
