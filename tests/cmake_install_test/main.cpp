// Round trip through the installed library: proves headers, library and dependencies are found.
// Linked to a shared libipcxx, it also proves that error codes and exceptions cross the library's
// boundary: an ipcxx::errc compares equal to codes the library made, ipcxx::Error thrown inside is
// caught here, and a handler's conversion failure thrown here is reported by the library.
#include <cstdlib>
#include <future>
#include <iostream>
#include <system_error>

#include <ipcxx/ipcxx.hpp>

namespace {

bool fail(const char* what) {
    std::cerr << "consumer: " << what << std::endl;
    return false;
}

// The library's error category and exception type, seen from this side.
bool errors_cross_the_boundary() {
    try {
        ipcxx::Payload::from_json("{");
        return fail("from_json accepted bad JSON");
    } catch (const ipcxx::Error& e) {
        if (e.code() != ipcxx::errc::invalid_json) return fail("ipcxx::Error's code is not errc::invalid_json");
        if (e.code().category() != ipcxx::category()) return fail("two ipcxx error categories");
    }
    ipcxx::Client idle;
    if (idle.emit("") != ipcxx::errc::invalid_argument) return fail("emit(\"\") is not errc::invalid_argument");
    return true;
}

}  // namespace

int main() {
    if (!errors_cross_the_boundary()) return 1;
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
    // A text where a number is expected: the typed handler's conversion fails on this side, the
    // library reports it.
    std::promise<std::error_code> conversion;
    server.on<int>("number", [](int) {});
    server.on("error", [&](const ipcxx::ErrorEvent& e) {
        if (e.event == "number") conversion.set_value(e.code);
    });
    server.serve();

    std::promise<std::string> answer;
    ipcxx::Client client{config};
    client.on("message", [&](const ipcxx::Payload& data) { answer.set_value(data.as<std::string>()); });
    client.connect_to("world");
    client.emit("number", "not a number");
    client.emit("message", "hello");
    auto future = answer.get_future();
    if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) return 1;
    const std::string got = future.get();
    std::cout << got << std::endl;
    auto reported = conversion.get_future();
    if (reported.wait_for(std::chrono::seconds(10)) != std::future_status::ready) return fail("no conversion error");
    if (reported.get() != ipcxx::errc::conversion_failed) return fail("the conversion error is not errc::conversion_failed");
    return got == "hello world!" ? 0 : 1;
}
