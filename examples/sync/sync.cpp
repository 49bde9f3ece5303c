// sync: node-ipc's sync mode. A server and a client in one process; the client emits three jobs at
// once, but in sync mode each one waits until the client has received something, so the output
// alternates job / done. Without config.sync the three jobs would go out together.
// Usage: sync   (Unix socket of id "sync-jobs" in the default socket root)
#include <future>
#include <iostream>

#include <ipcxx/ipcxx.hpp>

int main() {
    ipcxx::Config server_config;
    server_config.id = "sync-jobs";
    ipcxx::Server server{server_config};
    server.on("job", [](const ipcxx::Payload& data, ipcxx::Socket& from) {
        std::cout << "server: job " << data.as<int>() << std::endl;
        from.emit("done", data);
    });
    server.serve();

    ipcxx::Config client_config;
    client_config.id = "sync-client";
    client_config.sync = true;
    ipcxx::Client client{client_config};
    std::promise<void> all_done;
    client.on("done", [&](const ipcxx::Payload& data) {
        std::cout << "client: done " << data.as<int>() << std::endl;
        if (data.as<int>() == 3) all_done.set_value();
    });
    for (int job = 1; job <= 3; ++job) client.emit("job", job);  // 1 goes at once, 2 and 3 wait
    client.connect_to("sync-jobs");
    return all_done.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready ? 0 : 1;
}
