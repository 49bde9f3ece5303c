// udp: node-ipc's UDP endpoints. There is no UDP client: both sides are servers.
// Usage: udp serve PORT [--udp6]   answers every "ping" with a "pong" of the same data, to its sender
//        udp ping PORT [--udp6]    sends one ping to that port on loopback from an endpoint of its own,
//                                  prints the pong's data and exits (1 if none comes within 5 s:
//                                  UDP may lose, duplicate or reorder datagrams)
#include <chrono>
#include <cstring>
#include <iostream>
#include <string>

#include <ipcxx/ipcxx.hpp>

#include "support/example.hpp"

int main(int argc, char** argv) {
    const bool usage_ok = (argc == 3 || (argc == 4 && std::strcmp(argv[3], "--udp6") == 0)) &&
                          (std::strcmp(argv[1], "serve") == 0 || std::strcmp(argv[1], "ping") == 0);
    if (!usage_ok) {
        std::cerr << "usage: udp serve|ping PORT [--udp6]\n";
        return 2;
    }
    const bool serve = std::strcmp(argv[1], "serve") == 0;
    const auto port = static_cast<std::uint16_t>(std::stoi(argv[2]));
    const bool v6 = argc == 4;
    const std::string host = v6 ? "::1" : "127.0.0.1";
    const auto protocol = v6 ? ipcxx::NetProtocol::udp6 : ipcxx::NetProtocol::udp4;

    const example::StopSignals stop;  // before the I/O thread starts

    ipcxx::Config config;
    config.id = serve ? "udp-serve" : "udp-ping";
    ipcxx::Server endpoint{config};
    endpoint.on("error", [](const ipcxx::ErrorEvent& e) { std::cerr << "udp: " << e.message << std::endl; });
    try {
        if (serve) {
            endpoint.on("ping", [](const ipcxx::Payload& data, ipcxx::Socket& from) {
                std::cout << "udp: ping " << data.to_json() << " from " << from.remote_address() << std::endl;
                from.emit("pong", data);
            });
            endpoint.serve_net(host, port, protocol);
            std::cout << "udp: listening on port " << endpoint.port() << std::endl;
            stop.wait_for_stop();
            return 0;
        }
        example::Outcome outcome;
        endpoint.once("pong", [&](const ipcxx::Payload& data) {
            std::cout << data.to_json() << std::endl;
            outcome.set(0);
        });
        endpoint.serve_net(host, 0, protocol);  // our own endpoint, on a free port: the reply comes here
        if (auto ec = endpoint.udp_peer(host, port).emit("ping", std::map<std::string, int>{{"seq", 1}})) {
            std::cerr << "udp: " << ec.message() << std::endl;
            return 1;
        }
        return outcome.wait_for(std::chrono::seconds(5), 1);
    } catch (const std::exception& e) {
        std::cerr << "udp: " << e.what() << std::endl;
        return 1;
    }
}
