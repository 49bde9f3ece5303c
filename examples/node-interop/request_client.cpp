// request_client: talks request/response with the node-ipc server "requests"
// (examples/node-interop/requests.js). It asks the server to add 2 and 3, answers the server's
// "whoami" request with its own id, and exits once it has the sum and the server's greeting.
// The wire stays automatic: node-ipc never answers the hello, so the connection stays on JSON and
// requests travel as ipcxx.request / ipcxx.response events, which requests.js implements.
#include <chrono>
#include <future>
#include <iostream>
#include <string>
#include <vector>

#include <ipcxx/ipcxx.hpp>

int main() {
    using namespace std::chrono_literals;
    ipcxx::Config config;
    config.id = "request_client";
    config.max_retries = 20;  // give up after ~10 s if the server never appears
    ipcxx::Client server{config};

    std::promise<int> done;
    bool finished = false;  // handlers of one client never run concurrently
    bool have_sum = false;
    bool greeted = false;
    auto finish = [&](int status) {
        if (!finished) {
            finished = true;
            done.set_value(status);
        }
    };

    server.handle("whoami", [&](const ipcxx::Payload&) { return config.id; });
    server.on("connect", [&] {
        std::cout << "request_client: connected, wire " << (server.native() ? "native" : "json") << std::endl;
        server.request("add", std::vector<int>{2, 3}, 5s, [&](const ipcxx::Response& r) {
            if (!r) {
                std::cerr << "request_client: add failed: " << r.message << std::endl;
                finish(1);
                return;
            }
            std::cout << "request_client: add(2, 3) = " << r.data.to_json() << std::endl;
            have_sum = true;
            if (greeted) finish(0);
        });
    });
    // Sent by the server after our answer to "whoami" reached it.
    server.on("greeting", [&](const ipcxx::Payload& data) {
        std::cout << "request_client: " << data.as<std::string>() << std::endl;
        greeted = true;
        if (have_sum) finish(0);
    });
    server.on("error", [](const ipcxx::ErrorEvent& e) { std::cerr << "request_client: " << e.message << std::endl; });
    server.on("destroy", [&] { finish(1); });

    server.connect_to("requests");
    return done.get_future().get();
}
