// An ipcxx endpoint in a process of its own, for tests that kill it, run it in a network namespace
// (`ip netns exec`), or need more sockets than one process should hold. It prints one JSON object a
// line on stdout and takes commands on stdin; EOF on stdin ends it.
//   test_peer server HOST PORT   serves TCP (port 0 picks one); echoes every "n" event
//     prints {"ev":"port","port":P}, {"ev":"joined","id":ID}, {"ev":"recv","id":ID,"seq":N}, {"ev":"gone","id":ID},
//            {"ev":"error","code":NAME,"undelivered":N}
//   test_peer client HOST PORT ID connects; "send N" emits the next N numbered "n" events
//     prints {"ev":"connect"}, {"ev":"disconnect"}, {"ev":"echo","seq":N}, {"ev":"sent","count":N}
//            (total accepted by emit), {"ev":"error","code":NAME,"undelivered":N}, {"ev":"destroy"}
//   test_peer many-clients HOST PORT N   N clients on one I/O thread; each emits "hi" once connected
//     (HOST unix:PATH: to the Unix socket PATH, PORT ignored)
//     prints {"ev":"served","count":N} once every one got its "reply", then idles until EOF
//   test_peer half-frame HOST PORT json|native   writes the first half of a frame, prints
//     {"ev":"written"}, and waits (to be killed)
// Options after the arguments: --heartbeat INTERVAL_MS,TIMEOUT_MS[,MODE] sets heartbeat_interval,
// heartbeat_timeout and (automatic, ping or off) Config::heartbeat.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include "ipcxx/ipcxx.hpp"

namespace {

std::mutex print_mutex;

void print(const std::string& line) {
    std::lock_guard<std::mutex> lock(print_mutex);
    std::fputs((line + "\n").c_str(), stdout);
    std::fflush(stdout);
}

std::string quoted(const std::string& s) { return ipcxx::Payload::from(s).to_json(); }

void print_error(const ipcxx::ErrorEvent& e) {
    print(R"({"ev":"error","code":)" + quoted(e.code.message()) + R"(,"undelivered":)" +
          std::to_string(e.undelivered) + R"(,"message":)" + quoted(e.message) + "}");
}

// Settings from the command line's options, for every endpoint of this process.
ipcxx::Config base_config;

ipcxx::Config config_for(const std::string& id) {
    ipcxx::Config config = base_config;
    config.id = id;
    config.retry = std::chrono::milliseconds(50);
    config.silent = true;
    return config;
}

// Takes the option out of `args`; false when its value is missing or malformed.
bool parse_options(std::vector<std::string>& args) {
    const auto at = std::find(args.begin(), args.end(), "--heartbeat");
    if (at == args.end()) return true;
    const std::string value = at + 1 == args.end() ? "" : *(at + 1);
    const auto comma = value.find(',');
    if (comma == std::string::npos) return false;
    const auto mode_comma = value.find(',', comma + 1);
    base_config.heartbeat_interval = std::chrono::milliseconds(std::stol(value.substr(0, comma)));
    base_config.heartbeat_timeout = std::chrono::milliseconds(std::stol(value.substr(comma + 1, mode_comma - comma - 1)));
    if (mode_comma != std::string::npos) {
        const std::string mode = value.substr(mode_comma + 1);
        if (mode == "automatic") base_config.heartbeat = ipcxx::HeartbeatMode::automatic;
        else if (mode == "ping") base_config.heartbeat = ipcxx::HeartbeatMode::ping;
        else if (mode == "off") base_config.heartbeat = ipcxx::HeartbeatMode::off;
        else return false;
    }
    args.erase(at, at + 2);
    return true;
}

void wait_for_eof() {
    for (std::string line; std::getline(std::cin, line);) {
    }
}

int serve(const std::string& host, std::uint16_t port) {
    ipcxx::Config config = config_for("server");
    config.max_connections = 1000;
    ipcxx::Server server{config};
    server.on("n", [&](const ipcxx::Payload& data, ipcxx::Socket& from) {
        const auto seq = data.as<long>();
        print(R"({"ev":"recv","id":)" + quoted(from.id()) + R"(,"seq":)" + std::to_string(seq) + "}");
        from.emit("echo", seq);
    });
    server.on("connect", [](ipcxx::Socket& s) { print(R"({"ev":"joined","id":)" + quoted(s.id()) + "}"); });
    server.on("socket.disconnected",
              [](ipcxx::Socket& s) { print(R"({"ev":"gone","id":)" + quoted(s.id()) + "}"); });
    server.on("error", print_error);
    server.serve_net(host, port);
    print(R"({"ev":"port","port":)" + std::to_string(server.port()) + "}");
    wait_for_eof();
    return 0;
}

int connect(const std::string& host, std::uint16_t port, const std::string& id) {
    ipcxx::Client client{config_for(id)};
    client.on("connect", [] { print(R"({"ev":"connect"})"); });
    client.on("disconnect", [] { print(R"({"ev":"disconnect"})"); });
    client.on("destroy", [] { print(R"({"ev":"destroy"})"); });
    client.on("echo", [](const ipcxx::Payload& d) { print(R"({"ev":"echo","seq":)" + std::to_string(d.as<long>()) + "}"); });
    client.on("error", print_error);
    client.connect_to_net("server", host, port);
    long next = 0;
    for (std::string line; std::getline(std::cin, line);) {
        if (line.rfind("send ", 0) != 0) continue;
        const long count = std::stol(line.substr(5));
        for (long i = 0; i < count; ++i) {
            if (const auto ec = client.emit("n", next)) {
                print(R"({"ev":"refused","code":)" + quoted(ec.message()) + "}");
                break;
            }
            ++next;
        }
        print(R"({"ev":"sent","count":)" + std::to_string(next) + "}");
    }
    return 0;
}

int many_clients(const std::string& host, std::uint16_t port, std::size_t count) {
    asio::io_context io;
    auto work = asio::make_work_guard(io);
    std::thread runner([&] { io.run(); });
    std::atomic<std::size_t> served{0};
    std::vector<std::unique_ptr<ipcxx::Client>> clients;
    for (std::size_t i = 0; i < count; ++i) {
        auto config = config_for("c" + std::to_string(i));
        config.retry = std::chrono::milliseconds(200);
        auto client = std::make_unique<ipcxx::Client>(io, config);
        auto* c = client.get();
        client->on("connect", [c] { c->emit("hi"); });
        client->once("reply", [&served, count] {
            if (++served == count) print(R"({"ev":"served","count":)" + std::to_string(count) + "}");
        });
        client->on("error", print_error);
        if (host.rfind("unix:", 0) == 0) client->connect_to("server", host.substr(5));
        else client->connect_to_net("server", host, port);
        clients.push_back(std::move(client));
    }
    wait_for_eof();
    clients.clear();
    work.reset();
    runner.join();
    return 0;
}

int half_frame(const std::string& host, std::uint16_t port, const std::string& wire) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1 ||
        ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
        std::perror("connect");
        return 1;
    }
    // JSON: a frame without its end. Native: a header announcing 1000 bytes, then 3 of them.
    const std::string half = wire == "native" ? std::string("\xC1\x00\x00\x03\xE8\x93\x00\x01", 8)
                                              : std::string(R"({"type":"n","data":12)");
    if (::send(fd, half.data(), half.size(), 0) != static_cast<ssize_t>(half.size())) return 1;
    print(R"({"ev":"written"})");
    wait_for_eof();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    try {
        const std::string mode = parse_options(args) && !args.empty() ? args[0] : "";
        const auto port = [&] { return static_cast<std::uint16_t>(std::stoi(args[2])); };
        if (mode == "server" && args.size() == 3) return serve(args[1], port());
        if (mode == "client" && args.size() == 4) return connect(args[1], port(), args[3]);
        if (mode == "many-clients" && args.size() == 4) return many_clients(args[1], port(), std::stoul(args[3]));
        if (mode == "half-frame" && args.size() == 4) return half_frame(args[1], port(), args[3]);
    } catch (const std::exception& e) {
        std::cerr << "test_peer: " << e.what() << "\n";
        return 1;
    }
    std::cerr << "usage: test_peer server HOST PORT | client HOST PORT ID | many-clients HOST PORT N | "
                 "half-frame HOST PORT json|native  [--heartbeat INTERVAL_MS,TIMEOUT_MS[,automatic|ping|off]]\n";
    return 2;
}
