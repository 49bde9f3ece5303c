// Round trip through the installed library: proves headers, library and dependencies are found.
#include <cstdlib>
#include <future>
#include <iostream>

#include <ipcxx/ipcxx.hpp>

int main() {
    char root[] = "/tmp/ipcxx-consumer-XXXXXX";
    if (!mkdtemp(root)) return 1;
    ipcxx::Config config;
    config.id = "world";
    config.socket_root = std::string(root) + "/";
    config.silent = true;
    ipcxx::Server server{config};
    server.on("message", [](const ipcxx::Payload& data, ipcxx::Socket& from) {
        from.emit("message", data.as<std::string>() + " world!");
    });
    server.serve();

    std::promise<std::string> answer;
    ipcxx::Client client{config};
    client.on("message", [&](const ipcxx::Payload& data) { answer.set_value(data.as<std::string>()); });
    client.connect_to("world");
    client.emit("message", "hello");
    auto future = answer.get_future();
    if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) return 1;
    const std::string got = future.get();
    std::cout << got << std::endl;
    return got == "hello world!" ? 0 : 1;
}
