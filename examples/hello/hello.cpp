// hello: sends "hello" to world, prints the answer, and exits.
// Usage: hello [--tcp HOST:PORT]   (default: the Unix socket of id "world")
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
        std::cerr << "usage: hello [--tcp HOST:PORT]\n";
        return 2;
    }

    ipcxx::Config config;
    config.id = "hello";
    config.max_retries = 20;  // give up after ~10 s if world never appears
    ipcxx::Client world{config};
    example::Outcome outcome;
    world.on("connect", [&] { world.emit("message", "hello"); });
    world.on("message", [&](const ipcxx::Payload& data) {
        std::cout << data.as<std::string>() << std::endl;
        outcome.set(0);
    });
    world.on("error", [](const ipcxx::ErrorEvent& e) { std::cerr << "hello: " << e.message << std::endl; });
    world.on("destroy", [&] { outcome.set(1); });

    if (tcp.empty()) {
        world.connect_to("world");
    } else {
        const auto colon = tcp.rfind(':');
        world.connect_to_net("world", tcp.substr(0, colon), static_cast<std::uint16_t>(std::stoi(tcp.substr(colon + 1))));
    }
    return outcome.wait();
}
