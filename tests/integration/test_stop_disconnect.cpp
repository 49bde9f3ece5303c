// Every connection's end is reported exactly once when a server or client is shut down from inside
// its own handler (stop, Socket::disconnect, Client::disconnect, the destructor), with one I/O thread
// or two, and no handler runs inside the call that closed it. Each case runs many rounds: the orders
// that lose an end are a matter of timing.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/fixtures.hpp"

using namespace std::chrono_literals;

namespace stop_disconnect_test {

constexpr int clients_per_round = 4;
constexpr int messages_per_client = 20;
// Rounds per case: the orders that could lose or double an end are a matter of timing.
constexpr int rounds = 15;
constexpr int short_rounds = 8;

// What a server's handlers saw: connects, ends and messages per socket, and the rules broken.
class Tally {
public:
    void connected(const ipcxx::Socket& socket) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (gone_) broken_.push_back("connect after the server's destructor returned");
        ++connects_[socket.serial()];
        log.add("connect");
    }
    void disconnected(const ipcxx::Socket& socket) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (gone_) broken_.push_back("socket.disconnected after the server's destructor returned");
        if (inside_close_on_this_thread()) broken_.push_back("socket.disconnected ran inside the call that closed it");
        if (++ends_[socket.serial()] > 1) broken_.push_back("socket " + std::to_string(socket.serial()) + " ended twice");
        if (connects_[socket.serial()] == 0) broken_.push_back("socket.disconnected without connect");
        log.add("disconnected");
    }
    void message(const ipcxx::Socket& socket) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (gone_) broken_.push_back("a message handler after the server's destructor returned");
        if (ends_of(socket.serial()) > 0) broken_.push_back("a message handler ran after socket.disconnected");
    }
    // Marks the calling thread as inside a closing call (stop, disconnect) until the guard ends.
    struct Closing {
        explicit Closing(Tally& tally) : tally_(tally) { tally_.set_closing(std::this_thread::get_id()); }
        ~Closing() { tally_.set_closing({}); }
        Tally& tally_;
    };
    std::vector<std::string> broken() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return broken_;
    }
    std::size_t ends() const {
        std::lock_guard<std::mutex> lock(mutex_);
        std::size_t n = 0;
        for (const auto& entry : ends_) n += entry.second;
        return n;
    }
    // Sockets that had their `connect` and no end.
    std::size_t unended() const {
        std::lock_guard<std::mutex> lock(mutex_);
        std::size_t n = 0;
        for (const auto& entry : connects_) n += ends_of(entry.first) == 0;
        return n;
    }
    // From now on every handler call breaks the rules (the server's destructor returned).
    void server_gone() {
        std::lock_guard<std::mutex> lock(mutex_);
        gone_ = true;
    }

    test::Log log;

private:
    void set_closing(std::thread::id id) {
        std::lock_guard<std::mutex> lock(mutex_);
        closing_thread_ = id;
    }
    bool inside_close_on_this_thread() const { return closing_thread_ == std::this_thread::get_id(); }
    int ends_of(std::uint64_t serial) const {
        const auto it = ends_.find(serial);
        return it == ends_.end() ? 0 : it->second;
    }

    mutable std::mutex mutex_;
    std::map<std::uint64_t, int> connects_;
    std::map<std::uint64_t, int> ends_;
    std::vector<std::string> broken_;
    std::thread::id closing_thread_;
    bool gone_ = false;
};

void watch(ipcxx::Server& server, Tally& tally) {
    server.on("connect", [&tally](ipcxx::Socket& socket) { tally.connected(socket); });
    server.on("socket.disconnected", [&tally](ipcxx::Socket& socket) { tally.disconnected(socket); });
    server.on("m", [&tally](const ipcxx::Payload&, ipcxx::Socket& socket) { tally.message(socket); });
}

// Clients that each send a few messages as soon as they are connected, so that reads are in flight
// on every connection when it closes.
// `connected`: told of each client's own `connect`.
std::vector<std::unique_ptr<ipcxx::Client>> connect_clients(const test::TempDir& dir, test::Log* connected = nullptr) {
    std::vector<std::unique_ptr<ipcxx::Client>> clients;
    for (int i = 0; i < clients_per_round; ++i) {
        auto config = test::config_in(dir, "c" + std::to_string(i));
        config.max_retries = 0;  // the server is stopped: no reconnect loop while the round ends
        auto client = std::make_unique<ipcxx::Client>(config);
        client->on("connect", [c = client.get(), connected] {
            for (int m = 0; m < messages_per_client; ++m) c->emit("m", m);
            if (connected) connected->add("client connect");
        });
        client->connect_to("world");
        clients.push_back(std::move(client));
    }
    return clients;
}

// After the server's destructor: every socket that had its `connect` ended exactly once, `ends` in all.
bool check(Tally& tally, std::size_t ends) {
    tally.server_gone();
    for (const auto& rule : tally.broken()) UNSCOPED_INFO(rule);
    CHECK(tally.broken().empty());
    CHECK(tally.unended() == 0);
    CHECK(tally.ends() == ends);
    return tally.broken().empty() && tally.unended() == 0 && tally.ends() == ends;
}

ipcxx::Config server_config(const test::TempDir& dir, std::size_t io_threads) {
    auto config = test::config_in(dir);
    config.io_threads = io_threads;
    return config;
}

// What a round waits for before one client asks for stop(): the server's `connect` of every
// client, or only the clients' own. With wire automatic a client's own `connect` comes at its TCP
// connect, before the server has read its hello: a stop() then closes connections the server never
// announced, which get neither `connect` nor `socket.disconnected`.
enum class Await { server_connects, client_connects };

// Server::stop() from a message handler of one connection while the others are busy: each
// connection that had its `connect` reports socket.disconnected once, none inside stop(). False
// when a rule was broken.
bool stop_round(std::size_t io_threads, int round, Await await) {
    INFO("round " << round << ", io_threads " << io_threads);
    test::TempDir dir;
    Tally tally;
    {
        ipcxx::Server server{server_config(dir, io_threads)};
        watch(server, tally);
        server.on("stop", [&](const ipcxx::Payload&, ipcxx::Socket&) {
            Tally::Closing closing(tally);
            server.stop();
            tally.log.add("stopped");
        });
        server.serve();
        test::Log clients_connected;
        auto clients = connect_clients(dir, &clients_connected);
        if (await == Await::server_connects) {
            REQUIRE(tally.log.wait_for_count("connect", clients_per_round, 5s));
        } else {
            REQUIRE(clients_connected.wait_for_count("client connect", clients_per_round, 5s));
        }
        REQUIRE_FALSE(clients[round % clients_per_round]->emit("stop"));
        REQUIRE(tally.log.wait_for("stopped", 5s));
        CHECK(tally.log.wait_for_count("disconnected", tally.log.count("connect"), 2s));
    }
    // The server is gone, so a second end, had one been queued, has been run by now.
    return check(tally, await == Await::server_connects ? clients_per_round : tally.log.count("connect"));
}

TEST_CASE("stop() from a handler reports every connection's end once", "[shutdown][stop_disconnect]") {
    for (int round = 0; round < rounds && stop_round(1, round, Await::server_connects); ++round) {}
}

TEST_CASE("stop() from a handler reports every connection's end once on two I/O threads",
          "[shutdown][stop_disconnect][io_threads]") {
    for (int round = 0; round < rounds && stop_round(2, round, Await::server_connects); ++round) {}
}

TEST_CASE("stop() from a handler while clients are still saying hello ends every announced connection once",
          "[shutdown][stop_disconnect]") {
    const std::size_t io_threads = GENERATE(1, 2);
    for (int round = 0; round < rounds && stop_round(io_threads, round, Await::client_connects); ++round) {}
}

TEST_CASE("Socket::disconnect() from the socket's own handler reports its end once", "[shutdown][stop_disconnect]") {
    const std::size_t io_threads = GENERATE(1, 2);
    for (int round = 0; round < short_rounds; ++round) {
        INFO("round " << round << ", io_threads " << io_threads);
        test::TempDir dir;
        Tally tally;
        {
            ipcxx::Server server{server_config(dir, io_threads)};
            watch(server, tally);
            server.on("leave", [&](const ipcxx::Payload&, ipcxx::Socket& socket) {
                Tally::Closing closing(tally);
                socket.disconnect();
            });
            server.serve();
            auto clients = connect_clients(dir);
            REQUIRE(tally.log.wait_for_count("connect", clients_per_round, 5s));
            for (const auto& client : clients) REQUIRE_FALSE(client->emit("leave"));
            CHECK(tally.log.wait_for_count("disconnected", clients_per_round, 2s));
        }
        if (!check(tally, clients_per_round)) return;
    }
}

TEST_CASE("the server's destructor with handlers in flight reports every end once", "[shutdown][stop_disconnect]") {
    const std::size_t io_threads = GENERATE(1, 2);
    for (int round = 0; round < short_rounds; ++round) {
        INFO("round " << round << ", io_threads " << io_threads);
        test::TempDir dir;
        Tally tally;
        std::vector<std::unique_ptr<ipcxx::Client>> clients;
        {
            ipcxx::Server server{server_config(dir, io_threads)};
            watch(server, tally);
            server.serve();
            clients = connect_clients(dir);
            REQUIRE(tally.log.wait_for_count("connect", clients_per_round, 5s));
            // Destroyed from this thread while the clients' messages are being handled.
        }
        // After the destructor returns no handler runs: what ran is final.
        if (!check(tally, clients_per_round)) return;
    }
}

TEST_CASE("the server's destructor from a handler, with other handlers in flight: no handler after it, no end twice",
          "[shutdown][stop_disconnect]") {
    const std::size_t io_threads = GENERATE(1, 2);
    for (int round = 0; round < short_rounds; ++round) {
        INFO("round " << round << ", io_threads " << io_threads);
        test::TempDir dir;
        Tally tally;
        auto server = std::make_unique<ipcxx::Server>(server_config(dir, io_threads));
        watch(*server, tally);
        server->on("die", [&](const ipcxx::Payload&, ipcxx::Socket&) {
            server.reset();
            // The handlers were closed at once: the ends this causes are not reported.
            tally.server_gone();
            tally.log.add("destroyed");
        });
        server->serve();
        auto clients = connect_clients(dir);
        REQUIRE(tally.log.wait_for_count("connect", clients_per_round, 5s));
        REQUIRE_FALSE(clients[round % clients_per_round]->emit("die"));
        REQUIRE(tally.log.wait_for("destroyed", 5s));
        clients.clear();
        for (const auto& rule : tally.broken()) UNSCOPED_INFO(rule);
        CHECK(tally.broken().empty());
        CHECK(tally.ends() <= clients_per_round);
        if (!tally.broken().empty()) return;
    }
}

// What one client's handlers saw: its ends, and whether one ran inside the call that closed it.
struct ClientEnds {
    std::atomic<int> disconnects{0};
    std::atomic<int> destroys{0};
    std::atomic<bool> inside_close{false};
    std::atomic<bool> nested{false};
    test::Log log;

    void watch(ipcxx::Client& client) {
        client.on("disconnect", [this] {
            if (inside_close) nested = true;
            ++disconnects;
            log.add("disconnect");
        });
        client.on("destroy", [this] {
            if (inside_close) nested = true;
            ++destroys;
            log.add("destroy");
        });
    }
    bool once() const {
        CHECK_FALSE(nested);
        CHECK(disconnects == 1);
        CHECK(destroys == 1);
        return disconnects == 1 && destroys == 1 && !nested;
    }
};

TEST_CASE("Client::disconnect() from its own handler, or its destructor, ends its connection once",
          "[shutdown][stop_disconnect][client]") {
    const bool destructor = GENERATE(false, true);
    for (int round = 0; round < short_rounds; ++round) {
        INFO("round " << round << (destructor ? ", destructor" : ", disconnect() from a handler"));
        test::TempDir dir;
        Tally tally;
        ClientEnds ends;
        {
            ipcxx::Server server{test::config_in(dir)};
            watch(server, tally);
            server.on("connect", [](ipcxx::Socket& socket) { socket.emit("bye"); });
            server.serve();
            {
                ipcxx::Client client{test::config_in(dir, "leaver")};
                ends.watch(client);
                client.on("bye", [&] {
                    for (int m = 0; m < messages_per_client; ++m) client.emit("m", m);
                    if (destructor) return ends.log.add("bye");
                    ends.inside_close = true;
                    client.disconnect();
                    ends.inside_close = false;
                });
                client.connect_to("world");
                REQUIRE(ends.log.wait_for(destructor ? "bye" : "destroy", 5s));
            }
            // The client's destructor returned: its last events have run.
            CHECK(tally.log.wait_for("disconnected", 2s));
        }
        const bool clean = ends.once();
        if (!check(tally, 1) || !clean) return;
    }
}

}  // namespace stop_disconnect_test
