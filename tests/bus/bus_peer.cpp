// A bus consumer in a child process, for the bus tests: handles "job" events (printing each one,
// then working `work_ms` on it) and answers "add" requests, until its stdin ends.
// Usage: ipcxx_bus_peer <redis url> <bus> <group> <consumer> <work_ms>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "ipcxx/bus.hpp"

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
