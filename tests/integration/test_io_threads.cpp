// A server on several I/O threads (Config::io_threads): connections spread over the threads, each
// connection's order and one-at-a-time handlers kept, requests, broadcasts, limits, and every thread
// ended by stop and the destructor, from outside and from inside a handler.
#include <catch2/catch.hpp>

#include <atomic>
#include <dirent.h>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <asio/io_context.hpp>

#include "support/fixtures.hpp"
#include "support/pair.hpp"

using namespace std::chrono_literals;
using test::Transport;

namespace io_threads_test {

ipcxx::Config server_config(const test::TempDir& dir, std::size_t threads) {
    auto config = test::config_in(dir);
    config.io_threads = threads;
    return config;
}

std::vector<std::unique_ptr<ipcxx::Client>> connect_clients(const test::TempDir& dir, ipcxx::Server& server,
                                                            Transport transport, int count, test::Log& log) {
    std::vector<std::unique_ptr<ipcxx::Client>> clients;
    for (int i = 0; i < count; ++i) {
        auto client = std::make_unique<ipcxx::Client>(test::config_in(dir, "c" + std::to_string(i)));
        client->on("connect", [&log] { log.add("client connect"); });
        test::connect(*client, transport, server.port());
        clients.push_back(std::move(client));
    }
    return clients;
}

// The threads of this process now. The first thread ever started may bring a runtime's own
// (ThreadSanitizer's background thread): one is started and ended before the first count.
std::size_t thread_count() {
    static const bool warmed_up = [] {
        std::thread([] {}).join();
        return true;
    }();
    (void)warmed_up;
    std::size_t n = 0;
    if (DIR* dir = ::opendir("/proc/self/task")) {
        while (const dirent* entry = ::readdir(dir)) n += entry->d_name[0] != '.';
        ::closedir(dir);
    }
    return n;
}

}  // namespace io_threads_test

using namespace io_threads_test;

TEST_CASE("io_threads: 0 and a caller's io_context with more than 1 are refused", "[io_threads]") {
    test::TempDir dir;
    try {
        ipcxx::Server server{server_config(dir, 0)};
        FAIL("io_threads = 0 accepted");
    } catch (const ipcxx::Error& e) {
        CHECK(e.code() == ipcxx::errc::invalid_argument);
        CHECK(std::string(e.what()).find("io_threads") != std::string::npos);
    }
    asio::io_context io;
    try {
        ipcxx::Server server{io, server_config(dir, 2)};
        FAIL("io_threads = 2 accepted on a caller's io_context");
    } catch (const ipcxx::Error& e) {
        CHECK(e.code() == ipcxx::errc::invalid_argument);
        CHECK(std::string(e.what()).find("io_threads") != std::string::npos);
    }
    ipcxx::Server single{io, server_config(dir, 1)};
}

TEST_CASE("io_threads: connections land on different threads, each connection on one", "[io_threads]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{server_config(dir, 4)};
    std::mutex mutex;
    std::map<std::string, std::set<std::thread::id>> threads_of;  // client id -> threads its handlers ran on
    server.on("where", [&](const ipcxx::Payload&, ipcxx::Socket& from) {
        {
            std::lock_guard<std::mutex> lock(mutex);
            threads_of[from.id()].insert(std::this_thread::get_id());
        }
        log.add("where");
    });
    test::serve(server, transport);
    auto clients = connect_clients(dir, server, transport, 4, log);
    REQUIRE(log.wait_for_count("client connect", 4));
    for (int round = 0; round < 5; ++round) {
        for (auto& client : clients) REQUIRE_FALSE(client->emit("where", round));
    }
    REQUIRE(log.wait_for_count("where", 20));
    std::lock_guard<std::mutex> lock(mutex);
    REQUIRE(threads_of.size() == 4);
    std::set<std::thread::id> all;
    for (const auto& entry : threads_of) {
        CHECK(entry.second.size() == 1);
        all.insert(entry.second.begin(), entry.second.end());
    }
    CHECK(all.size() == 4);
}

TEST_CASE("io_threads: each connection's messages arrive in order, one handler at a time", "[io_threads]") {
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{server_config(dir, 4)};
    constexpr int clients_count = 8;
    constexpr int messages = 400;
    struct Seen {
        int next = 0;
        int out_of_order = 0;
        std::atomic<int> inside{0};
        std::atomic<int> overlaps{0};
    };
    std::mutex mutex;
    std::map<std::string, std::unique_ptr<Seen>> seen;
    std::atomic<int> total{0};
    server.on("n", [&](const ipcxx::Payload& p, ipcxx::Socket& from) {
        Seen* s;
        {
            std::lock_guard<std::mutex> lock(mutex);
            auto& slot = seen[from.id()];
            if (!slot) slot = std::make_unique<Seen>();
            s = slot.get();
        }
        if (s->inside.fetch_add(1) != 0) s->overlaps.fetch_add(1);
        // Only this connection's handlers touch `next`: a race here is what TSan would report.
        if (p.as<int>() != s->next) ++s->out_of_order;
        s->next = p.as<int>() + 1;
        s->inside.fetch_sub(1);
        if (total.fetch_add(1) + 1 == clients_count * messages) log.add("all");
    });
    server.serve();
    auto clients = connect_clients(dir, server, Transport::unix_socket, clients_count, log);
    REQUIRE(log.wait_for_count("client connect", clients_count));
    std::vector<std::thread> senders;
    for (auto& client : clients) {
        senders.emplace_back([&c = *client] {
            for (int i = 0; i < messages; ++i) {
                if (c.emit("n", i)) return;
            }
        });
    }
    for (auto& sender : senders) sender.join();
    REQUIRE(log.wait_for("all", 30s));
    std::lock_guard<std::mutex> lock(mutex);
    REQUIRE(seen.size() == clients_count);
    for (const auto& entry : seen) {
        INFO(entry.first);
        CHECK(entry.second->next == messages);
        CHECK(entry.second->out_of_order == 0);
        CHECK(entry.second->overlaps.load() == 0);
    }
}

TEST_CASE("io_threads: requests both ways are answered on every thread", "[io_threads]") {
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{server_config(dir, 4)};
    server.handle<int>("double", [](int x) { return 2 * x; });
    server.serve();
    auto clients = connect_clients(dir, server, Transport::unix_socket, 8, log);
    REQUIRE(log.wait_for_count("client connect", 8));
    for (auto& client : clients) client->handle<int>("negate", [](int x) { return -x; });

    std::vector<std::future<ipcxx::Payload>> answers;
    for (int i = 0; i < 20; ++i) {
        for (auto& client : clients) answers.push_back(client->request("double", i, 10s));
    }
    int i = 0;
    for (auto& answer : answers) {
        REQUIRE(answer.wait_for(20s) == std::future_status::ready);
        CHECK(answer.get().as<int>() == 2 * (i++ / 8));
    }
    // The server's own requests complete on its first thread whatever thread the connection is on.
    REQUIRE(test::eventually([&] { return server.sockets().size() == 8; }));
    std::vector<std::future<ipcxx::Payload>> back;
    int k = 1;
    for (const auto& socket : server.sockets()) back.push_back(server.request(socket, "negate", k++, 10s));
    int sum = 0;
    for (auto& answer : back) {
        REQUIRE(answer.wait_for(20s) == std::future_status::ready);
        sum += answer.get().as<int>();
    }
    CHECK(sum == -(1 + 2 + 3 + 4 + 5 + 6 + 7 + 8));
}

TEST_CASE("io_threads: a broadcast reaches every client on every thread, in order", "[io_threads]") {
    const Transport transport = GENERATE(Transport::unix_socket, Transport::tcp);
    INFO(test::name(transport));
    test::TempDir dir;
    test::Log log;
    ipcxx::Server server{server_config(dir, 4)};
    test::serve(server, transport);
    constexpr int clients_count = 8;
    constexpr int ticks = 100;
    std::vector<std::unique_ptr<ipcxx::Client>> clients;
    std::vector<std::unique_ptr<std::atomic<int>>> next(clients_count);
    std::atomic<int> wrong{0};
    for (int i = 0; i < clients_count; ++i) {
        next[i] = std::make_unique<std::atomic<int>>(0);
        auto client = std::make_unique<ipcxx::Client>(test::config_in(dir, "c" + std::to_string(i)));
        client->on("tick", [&, i](const ipcxx::Payload& p) {
            if (p.as<int>() != next[i]->load()) ++wrong;
            if (next[i]->fetch_add(1) + 1 == ticks) log.add("done");
        });
        test::connect(*client, transport, server.port());
        clients.push_back(std::move(client));
    }
    REQUIRE(test::eventually([&] { return server.sockets().size() == clients_count; }));
    for (int t = 0; t < ticks; ++t) REQUIRE_FALSE(server.broadcast("tick", t));
    REQUIRE(log.wait_for_count("done", clients_count, 20s));
    CHECK(wrong.load() == 0);
}

TEST_CASE("io_threads: max_connections counts the connections of every thread", "[io_threads]") {
    test::TempDir dir;
    test::Log log;
    auto config = server_config(dir, 4);
    config.max_connections = 3;
    ipcxx::Server server{config};
    server.on("connect", [&](ipcxx::Socket&) { log.add("server connect"); });
    server.on("error", [&](const ipcxx::ErrorEvent& e) {
        if (e.code == ipcxx::errc::max_connections) log.add("refused");
    });
    server.serve();
    std::vector<std::unique_ptr<ipcxx::Client>> clients;
    for (int i = 0; i < 3; ++i) {
        auto client = std::make_unique<ipcxx::Client>(test::config_in(dir, "c" + std::to_string(i)));
        client->connect_to("world");
        clients.push_back(std::move(client));
        REQUIRE(log.wait_for_count("server connect", static_cast<std::size_t>(i) + 1));
    }
    std::vector<test::RawPeer> extras;
    for (int i = 0; i < 2; ++i) {
        extras.push_back(test::RawPeer::unix_socket(server.path()));
        REQUIRE(extras.back().connected());
        bool closed = false;
        extras.back().read_until_closed(5s, &closed);
        CHECK(closed);
    }
    REQUIRE(log.wait_for_count("refused", 2));
    CHECK(log.count("server connect") == 3);
}

TEST_CASE("io_threads: stop and the destructor from a handler end every thread", "[io_threads]") {
    const bool destroy = GENERATE(false, true);
    INFO((destroy ? "destructor" : "stop") << " from a handler");
    test::TempDir dir;
    test::Log log;
    const std::size_t threads_before = thread_count();
    {
        auto server = std::make_unique<ipcxx::Server>(server_config(dir, 4));
        std::atomic<bool> asked{false};
        server->on("quit", [&](const ipcxx::Payload&) {
            if (asked.exchange(true)) return;  // only the first of the concurrent handlers acts
            if (destroy) {
                server.reset();
            } else {
                server->stop();
            }
            log.add("quit done");
        });
        server->serve();
        auto clients = connect_clients(dir, *server, Transport::unix_socket, 4, log);
        REQUIRE(log.wait_for_count("client connect", 4));
        // Every client asks at once: the handler that acts runs while the other threads work.
        for (auto& client : clients) REQUIRE_FALSE(client->emit("quit", 0));
        REQUIRE(log.wait_for("quit done"));
        if (!destroy) {
            REQUIRE(test::eventually([&] { return server->sockets().empty(); }));
            CHECK_FALSE(server->running());
            server.reset();  // from this thread, after a stop from a handler
        }
        clients.clear();
    }
    // Threads a test before this one let go may still be ending: never more than before.
    CHECK(test::eventually([&] { return thread_count() <= threads_before; }));
}

TEST_CASE("io_threads: the destructor from another thread ends every thread, clients connected", "[io_threads]") {
    test::TempDir dir;
    test::Log log;
    const std::size_t threads_before = thread_count();
    std::vector<std::unique_ptr<ipcxx::Client>> clients;
    {
        ipcxx::Server server{server_config(dir, 3)};
        server.on("n", [&](const ipcxx::Payload&) { log.add("n"); });
        server.on("socket.disconnected", [&](ipcxx::Socket&) { log.add("disconnected"); });
        server.serve();
        clients = connect_clients(dir, server, Transport::unix_socket, 6, log);
        REQUIRE(log.wait_for_count("client connect", 6));
        for (auto& client : clients) REQUIRE_FALSE(client->emit("n", 1));
        REQUIRE(log.wait_for_count("n", 6));
    }
    // Every thread ran the shutdown to its end before the handlers were closed: no final event lost.
    CHECK(log.count("disconnected") == 6);
    clients.clear();
    CHECK(test::eventually([&] { return thread_count() <= threads_before; }));
}
