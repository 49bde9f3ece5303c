// world: answers every "message" with the same text plus " world!".
// Usage: world [--tcp HOST:PORT]   (default: the Unix socket of id "world")
#include <cstring>
#include <iostream>
#include <string>

#include <ipcxx/ipcxx.hpp>

#include "support/example.hpp"

int main(int argc, char** argv) {
    std::string tcp;
    if (argc == 3 && std::strcmp(argv[1], "--tcp") == 0) {
        tcp = argv[2];
    } else if (argc != 1) {
        std::cerr << "usage: world [--tcp HOST:PORT]\n";
        return 2;
    }

    const example::StopSignals stop;  // before the I/O thread starts

    ipcxx::Config config;
    config.id = "world";
    ipcxx::Server server{config};
    server.on("start", [&] {
        if (server.port() != 0) {
            std::cout << "world: listening on port " << server.port() << std::endl;
        } else {
            std::cout << "world: listening on " << server.path() << std::endl;
        }
    });
    server.on("connect", [](ipcxx::Socket& s) { std::cout << "world: " << s.remote_address() << " connected" << std::endl; });
    server.on("message", [&](const ipcxx::Payload& data, ipcxx::Socket& from) {
        std::cout << "world: got " << data.to_json() << std::endl;
        server.emit(from, "message", data.as<std::string>() + " world!");
    });
    server.on("socket.disconnected", [](ipcxx::Socket& s) {
        std::cout << "world: " << s.remote_address() << " disconnected" << std::endl;
    });
    server.on("error", [](const ipcxx::ErrorEvent& e) { std::cerr << "world: " << e.message << std::endl; });

    try {
        if (tcp.empty()) {
            server.serve();
        } else {
            const auto colon = tcp.rfind(':');
            server.serve_net(tcp.substr(0, colon), static_cast<std::uint16_t>(std::stoi(tcp.substr(colon + 1))));
        }
    } catch (const std::exception& e) {
        std::cerr << "world: " << e.what() << std::endl;
        return 1;
    }
    stop.wait_for_stop();
    return 0;
}
