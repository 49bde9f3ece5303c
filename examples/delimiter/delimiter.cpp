// delimiter: the JSON wire with a custom, multi-byte frame delimiter (both peers must agree; node-ipc
// peers set config.delimiter to the same string). A server and a client in one process.
// Usage: delimiter   (Unix socket of id "delimiter" in the default socket root)
#include <future>
#include <iostream>

#include <ipcxx/ipcxx.hpp>

int main() {
    ipcxx::Config config;
    config.id = "delimiter";
    config.delimiter = "\r\n";        // JSON escapes CR and LF, so they never occur inside a frame
    config.wire = ipcxx::Wire::json;  // node-ipc's wire (between ipcxx peers it would switch to native frames)
    ipcxx::Server server{config};
    server.on("line", [](const ipcxx::Payload& data, ipcxx::Socket& from) { from.emit("echo", data); });
    server.serve();

    config.id = "delimiter-client";
    ipcxx::Client client{config};
    std::promise<void> echoed;
    client.on("echo", [&](const ipcxx::Payload& data) {
        std::cout << "delimiter: echo " << data.to_json() << std::endl;
        echoed.set_value();
    });
    client.connect_to("delimiter");
    client.emit("line", "two\r\nlines");
    if (echoed.get_future().wait_for(std::chrono::seconds(10)) != std::future_status::ready) return 1;

    // A delimiter that JSON text can contain is checked on every message.
    ipcxx::Config pipes;
    pipes.id = "delimiter-pipes";
    pipes.delimiter = "||";
    ipcxx::Client pipe_client{pipes};
    std::cout << "delimiter: 'a||b' with delimiter '||': " << pipe_client.emit("line", "a||b").message() << std::endl;
    return 0;
}
