// raw: node-ipc's rawBuffer. No frames, no JSON: the peers own their protocol.
// Usage: raw serve              server "raw" (its default Unix socket): answers every chunk it reads
//                               with the same bytes, ASCII letters in upper case
//        raw send TEXT          client: writes TEXT's bytes, prints the answer, exits
//        raw send --hex HEX     the same, the bytes given in hex (config.encoding = "hex")
#include <cctype>
#include <cstring>
#include <iostream>
#include <string>

#include <ipcxx/ipcxx.hpp>

#include "support/example.hpp"

int main(int argc, char** argv) {
    const bool serve = argc == 2 && std::strcmp(argv[1], "serve") == 0;
    const bool hex = argc == 4 && std::strcmp(argv[1], "send") == 0 && std::strcmp(argv[2], "--hex") == 0;
    const bool send = hex || (argc == 3 && std::strcmp(argv[1], "send") == 0);
    if (!serve && !send) {
        std::cerr << "usage: raw serve | raw send TEXT | raw send --hex HEX\n";
        return 2;
    }
    const example::StopSignals stop;  // before the I/O thread starts

    ipcxx::Config config;
    config.raw_buffer = true;
    if (serve) {
        config.id = "raw";
        ipcxx::Server server{config};
        server.on("data", [](const ipcxx::Payload& data, ipcxx::Socket& from) {
            std::string bytes = data.as<std::string>();
            std::cout << "raw: got " << bytes.size() << " bytes" << std::endl;
            for (char& c : bytes) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            from.emit_raw(bytes);
        });
        server.on("error", [](const ipcxx::ErrorEvent& e) { std::cerr << "raw: " << e.message << std::endl; });
        server.serve();
        std::cout << "raw: listening on " << server.path() << std::endl;
        stop.wait_for_stop();
        return 0;
    }
    config.id = "raw-send";
    config.max_retries = 20;
    if (hex) config.encoding = "hex";
    ipcxx::Client client{config};
    example::Outcome outcome;
    client.on("data", [&](const ipcxx::Payload& data) {
        std::cout << data.as<std::string>() << std::endl;
        outcome.set(0);
    });
    client.on("error", [](const ipcxx::ErrorEvent& e) { std::cerr << "raw: " << e.message << std::endl; });
    client.on("destroy", [&] { outcome.set(1); });
    // Queued until connected; emit_raw_text goes through config.encoding.
    if (auto ec = client.emit_raw_text(argv[argc - 1])) {
        std::cerr << "raw: " << ec.message() << std::endl;
        return 1;
    }
    client.connect_to("raw");
    return outcome.wait();
}
