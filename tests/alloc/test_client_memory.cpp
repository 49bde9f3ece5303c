// The heap an idle client keeps once connected (issue 17: at most 4 KiB per client connection):
// the process's heap in use (mallinfo2) before and after connecting a batch of clients that each
// have one handler and have sent one message and received its answer, as the idle benchmark's do,
// with the server in a child process so that only the clients' memory is counted. Measured right
// after the last answer, so that memory a link keeps until its quiet check counts too: freed only
// then, after other objects were placed behind it, it would stay in the process's RSS as holes
// (docs/memory.md). Its own program, since the heap total is the whole process's.
#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include "support/fixtures.hpp"

namespace client_memory_test {

// What one idle native-wire client over a Unix socket with one handler takes today (ClientImpl,
// Connection, outbox, strand, Asio's socket state and pending waits, the handler, chunk headers):
// about 3.2 KiB. A client that kept its own Config (0.8 KiB), its JSON parser after the welcome
// (0.6 KiB) or a spare payload after one message (0.5 KiB) again would cross the bound.
constexpr std::size_t max_bytes_per_client = 3350;
constexpr std::size_t clients = 200;

std::size_t heap_in_use() {
    const struct mallinfo2 info = ::mallinfo2();
    return info.uordblks + info.hblkhd;
}

// The child: a server that answers each "hi" with "ok", until its parent closes `until_closed`.
[[noreturn]] void serve(const ipcxx::Config& config, int until_closed) {
    {
        ipcxx::Server server{config};
        server.on("hi", [](const ipcxx::Payload& p, ipcxx::Socket& from) { from.emit("ok", p); });
        server.serve();
        char byte;
        while (::read(until_closed, &byte, 1) > 0) {
        }
    }
    std::_Exit(0);  // not the parent's destructors (its TempDir)
}

// A client that counts its answers and sends one "hi" (queued until it is connected).
void add_client(std::vector<ipcxx::Client>& batch, asio::io_context& io, const ipcxx::Config& config,
                std::atomic<std::size_t>& answered) {
    auto& client = batch.emplace_back(io, config);
    client.on("ok", [&answered](const ipcxx::Payload&) { answered.fetch_add(1); });
    client.connect_to("world");
    client.emit("hi", batch.size());
}

}  // namespace client_memory_test

int main() {
    using namespace client_memory_test;
    test::TempDir dir;
    int pipe_fds[2];
    if (::pipe(pipe_fds) != 0) return 1;
    const pid_t server = ::fork();  // before any thread starts
    if (server < 0) return 1;
    if (server == 0) {
        ::close(pipe_fds[1]);
        auto config = test::config_in(dir);
        config.max_connections = clients + 1;
        serve(config, pipe_fds[0]);
    }
    ::close(pipe_fds[0]);

    int failed = 1;
    {
        asio::io_context io;
        auto work = asio::make_work_guard(io);
        std::thread runner([&] { io.run(); });
        auto config = test::config_in(dir, "hello");
        config.wire = ipcxx::Wire::native;
        std::vector<ipcxx::Client> batch;
        batch.reserve(clients + 1);
        std::atomic<std::size_t> answered{0};
        // The first client warms what every later one shares: Asio's services, the thread's
        // buffers and parser, the Config.
        add_client(batch, io, config, answered);
        if (test::eventually([&] { return answered == 1; }, std::chrono::seconds(20))) {
            const std::size_t before = heap_in_use();
            for (std::size_t i = 0; i < clients; ++i) add_client(batch, io, config, answered);
            if (test::eventually([&] { return answered == clients + 1; }, std::chrono::seconds(20))) {
                const std::size_t per_client = (heap_in_use() - before) / clients;
                failed = per_client > max_bytes_per_client;
                std::printf("%zu bytes of heap per idle client, at most %zu (%s)\n", per_client,
                            max_bytes_per_client, failed ? "FAILED" : "ok");
            } else {
                std::printf("the batch did not get its answers\n");
            }
        } else {
            std::printf("the first client did not get its answer\n");
        }
        batch.clear();
        work.reset();
        runner.join();
    }
    ::close(pipe_fds[1]);
    int status = 0;
    ::waitpid(server, &status, 0);
    return failed;
}
