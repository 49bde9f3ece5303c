// RedisClient when things go wrong: a server that is not Redis, Redis killed and restarted,
// unreachable at start, slow past command_timeout, refusing credentials; and the client destroyed
// from another thread with commands in flight.
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>

#include "ipcxx/error.hpp"
#include "ipcxx/redis.hpp"
#include "redis/redis_test_support.hpp"
#include "support/fixtures.hpp"
#include "support/redis_server.hpp"
#include "support/watchdog.hpp"

namespace redis_fault_tests {

using namespace std::chrono_literals;
using ipcxx::RedisReply;
using Local = asio::local::stream_protocol;

// A server on a Unix socket that answers every connection with `serve` (a raw Asio acceptor: no
// Redis behind it). With `hold`, each connection is kept open, silent, after `serve`.
class FakeRedis {
public:
    FakeRedis(const std::string& path, std::function<void(Local::socket&)> serve, bool hold = false)
        : acceptor_(io_, Local::endpoint(path)), serve_(std::move(serve)), hold_(hold) {
        accept();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~FakeRedis() {
        io_.stop();
        thread_.join();
        held_.clear();  // sockets go before the io_context they belong to
    }
    int connections() const { return connections_; }

private:
    void accept() {
        acceptor_.async_accept([this](std::error_code ec, Local::socket socket) {
            if (ec) return;
            ++connections_;
            serve_(socket);
            if (hold_) held_.push_back(std::make_unique<Local::socket>(std::move(socket)));
            accept();
        });
    }
    asio::io_context io_;
    Local::acceptor acceptor_;
    std::function<void(Local::socket&)> serve_;
    const bool hold_;
    std::vector<std::unique_ptr<Local::socket>> held_;  // the I/O thread's alone
    std::atomic<int> connections_{0};
    std::thread thread_;
};

// Answers the client's PING (a connection is ready only once the server answered), reads its
// commands (whatever comes in one read), then writes `reply`.
void answer(Local::socket& socket, const std::string& reply) {
    char buffer[4096];
    std::error_code ec;
    socket.read_some(asio::buffer(buffer), ec);
    if (!ec) asio::write(socket, asio::buffer(std::string("+PONG\r\n")), ec);
    if (!ec) socket.read_some(asio::buffer(buffer), ec);
    if (!ec) asio::write(socket, asio::buffer(reply), ec);
}

struct Events {
    std::mutex mutex;
    std::vector<std::error_code> errors;
    std::vector<std::string> messages;
    std::vector<std::error_code> disconnects;
    int connects = 0;

    void attach(ipcxx::RedisClient& client) {
        client.on_error([this](std::error_code ec, const std::string& message) {
            std::lock_guard<std::mutex> lock(mutex);
            errors.push_back(ec);
            messages.push_back(message);
        });
        client.on_disconnect([this](std::error_code ec) {
            std::lock_guard<std::mutex> lock(mutex);
            disconnects.push_back(ec);
        });
        client.on_connect([this] {
            std::lock_guard<std::mutex> lock(mutex);
            ++connects;
        });
    }
    bool has_error(std::error_code ec, const std::string& says = {}) {
        std::lock_guard<std::mutex> lock(mutex);
        for (std::size_t i = 0; i < errors.size(); ++i) {
            if (errors[i] == ec && messages[i].find(says) != std::string::npos) return true;
        }
        return false;
    }
    int connect_count() {
        std::lock_guard<std::mutex> lock(mutex);
        return connects;
    }
    std::size_t disconnect_count() {
        std::lock_guard<std::mutex> lock(mutex);
        return disconnects.size();
    }
};

TEST_CASE("a server sending bytes that are not RESP: redis_protocol_error naming the byte", "[redis]") {
    test::TempDir dir;
    const std::string path = dir.path() + "/fake.sock";
    FakeRedis fake(path, [](Local::socket& socket) { answer(socket, "+OK\r\n%3\r\n"); });
    auto options = test::redis_options("unix://" + path);
    Events events;
    ipcxx::RedisClient client(options);
    events.attach(client);
    auto first = test::redis_outcome(client, {"SET", "a", "b"});
    CHECK(test::wait_outcome(first).reply.text == "OK");
    CHECK(test::eventually([&] { return events.has_error(ipcxx::errc::redis_protocol_error, "0x25 ('%') at offset 12"); }));
    CHECK(test::eventually([&] { return events.disconnect_count() >= 1; }));
}

// Reads from `socket` into `seen` until it holds `text`; false when the connection ends first.
bool read_until(Local::socket& socket, std::string& seen, const std::string& text) {
    char buffer[4096];
    while (seen.find(text) == std::string::npos) {
        std::error_code ec;
        const std::size_t n = socket.read_some(asio::buffer(buffer), ec);
        if (ec) return false;
        seen.append(buffer, n);
    }
    return true;
}

TEST_CASE("a command sent from a reply's handler is written before the next reply of the same read is handled",
          "[redis]") {
    // So Redis runs it while this side handles the rest (rsmq's two batch calls in flight rely on it).
    test::TempDir dir;
    const std::string path = dir.path() + "/fake.sock";
    std::mutex mutex;
    std::condition_variable changed;
    bool third_arrived = false;
    FakeRedis fake(path, [&](Local::socket& socket) {
        std::string seen;
        std::error_code ec;
        if (!read_until(socket, seen, "PING")) return;
        asio::write(socket, asio::buffer(std::string("+PONG\r\n")), ec);
        if (ec || !read_until(socket, seen, "second")) return;
        asio::write(socket, asio::buffer(std::string("+1\r\n+2\r\n")), ec);  // both replies in one write
        if (ec || !read_until(socket, seen, "third")) return;
        {
            std::lock_guard<std::mutex> lock(mutex);
            third_arrived = true;
        }
        changed.notify_all();
        asio::write(socket, asio::buffer(std::string("+3\r\n")), ec);
    });
    ipcxx::RedisClient client(test::redis_options("unix://" + path));
    std::promise<bool> before_second;
    std::promise<std::string> third;
    client.command({"ECHO", "first"}, [&](std::error_code, RedisReply) {
        client.command({"ECHO", "third"}, [&](std::error_code, RedisReply reply) { third.set_value(reply.text); });
    });
    client.command({"ECHO", "second"}, [&](std::error_code, RedisReply) {
        // Blocks the client's I/O thread: the third command can only have gone out already.
        std::unique_lock<std::mutex> lock(mutex);
        before_second.set_value(changed.wait_for(lock, 10s, [&] { return third_arrived; }));
    });
    auto arrived = before_second.get_future();
    REQUIRE(arrived.wait_for(30s) == std::future_status::ready);
    CHECK(arrived.get());
    auto reply = third.get_future();
    REQUIRE(reply.wait_for(30s) == std::future_status::ready);
    CHECK(reply.get() == "3");
}

TEST_CASE("a server closing in the middle of a reply: connection_lost, then a reconnect", "[redis]") {
    test::TempDir dir;
    const std::string path = dir.path() + "/fake.sock";
    FakeRedis fake(path, [](Local::socket& socket) {
        answer(socket, "$10\r\nhal");
        socket.close();
    });
    Events events;
    ipcxx::RedisClient client(test::redis_options("unix://" + path));
    events.attach(client);
    CHECK(test::redis_run(client, {"GET", "x"}).ec == ipcxx::errc::connection_lost);
    CHECK(test::eventually([&] { return fake.connections() >= 2; }));
    CHECK(events.disconnect_count() >= 1);
}

TEST_CASE("Redis killed mid-stream: what was written ends with connection_lost, what waits runs after the restart",
          "[redis]") {
    test::RedisServer server;
    auto options = test::redis_options(server.unix_url());
    options.command_timeout = 0ms;  // BLPOP below blocks on purpose
    Events events;
    ipcxx::RedisClient client(options);
    events.attach(client);
    REQUIRE(test::redis_run(client, {"PING"}).reply.text == "PONG");
    auto blocked = test::redis_outcome(client, {"BLPOP", "never", "0"});
    // BLPOP is in flight once the server counts a blocked client.
    REQUIRE(test::eventually([&] {
        return server.command({"EVAL", "return tonumber(string.match(redis.call('INFO', 'clients'), 'blocked_clients:(%d+)'))",
                               "0"}) == ":1";
    }));
    server.kill();
    CHECK(test::wait_outcome(blocked).ec == ipcxx::errc::connection_lost);
    REQUIRE(test::eventually([&] { return events.disconnect_count() == 1; }));
    // Made while Redis is down: they wait, in order, and run on the new connection.
    std::vector<std::future<test::RedisOutcome>> waiting;
    for (int i = 0; i < 50; ++i) waiting.push_back(test::redis_outcome(client, {"RPUSH", "after", std::to_string(i)}));
    CHECK(waiting.front().wait_for(100ms) == std::future_status::timeout);
    server.start();
    for (int i = 0; i < 50; ++i) {
        const auto outcome = test::wait_outcome(waiting[i]);
        REQUIRE(outcome.ended);
        CHECK_FALSE(outcome.ec);
        CHECK(outcome.reply.integer == i + 1);
    }
    CHECK(events.connect_count() == 2);
}

TEST_CASE("Redis unreachable at start: commands wait, then run once it is up", "[redis]") {
    test::RedisServer server;
    server.stop();
    Events events;
    ipcxx::RedisClient client(test::redis_options(server.unix_url()));
    events.attach(client);
    auto set = test::redis_outcome(client, {"SET", "k", "v"});
    REQUIRE(test::eventually([&] {
        std::lock_guard<std::mutex> lock(events.mutex);
        return events.errors.size() >= 3;  // attempts failing, with backoff
    }));
    CHECK(set.wait_for(0ms) == std::future_status::timeout);
    CHECK_FALSE(client.connected());
    server.start();
    const auto outcome = test::wait_outcome(set);
    REQUIRE(outcome.ended);
    CHECK(outcome.reply.text == "OK");
    CHECK(client.connected());
}

TEST_CASE("max_retries: after that many failed attempts everything ends with retries_exhausted", "[redis]") {
    test::TempDir dir;
    auto options = test::redis_options("unix://" + dir.path() + "/nobody.sock");
    options.max_retries = 3;
    ipcxx::RedisClient client(options);
    CHECK(test::redis_run(client, {"PING"}).ec == ipcxx::errc::retries_exhausted);
    CHECK(test::redis_run(client, {"PING"}).ec == ipcxx::errc::retries_exhausted);
}

TEST_CASE("a command past command_timeout ends with request_timeout and the connection is re-made", "[redis]") {
    test::RedisServer server;
    auto options = test::redis_options(server.unix_url());
    options.command_timeout = 300ms;
    Events events;
    ipcxx::RedisClient client(options);
    events.attach(client);
    REQUIRE(test::redis_run(client, {"PING"}).reply.text == "PONG");
    REQUIRE(server.command({"CLIENT", "PAUSE", "1500", "ALL"}) == "+OK");
    auto late = test::redis_outcome(client, {"PING"});
    auto behind = test::redis_outcome(client, {"GET", "x"});
    CHECK(test::wait_outcome(late).ec == ipcxx::errc::request_timeout);
    CHECK(test::wait_outcome(behind).ec == ipcxx::errc::connection_lost);
    REQUIRE(test::eventually([&] { return events.disconnect_count() == 1; }));
    {
        std::lock_guard<std::mutex> lock(events.mutex);
        CHECK(events.disconnects[0] == ipcxx::errc::request_timeout);
    }
    // After the pause: the new connection works.
    CHECK(test::eventually([&] { return test::redis_run(client, {"PING"}).reply.text == "PONG"; }, 10s));
}

TEST_CASE("AUTH with requirepass, with an ACL user, a bad password, and SELECT", "[redis]") {
    test::RedisServerOptions with_auth;
    with_auth.tcp = true;
    with_auth.config = {"requirepass s3cret", "user alice on >wonder ~* &* +@all", "databases 4"};
    test::RedisServer server(with_auth);
    const std::string host = "127.0.0.1:" + std::to_string(server.port());

    ipcxx::RedisClient by_password(test::redis_options("redis://:s3cret@" + host + "/2"));
    REQUIRE_FALSE(test::redis_run(by_password, {"SET", "where", "db2"}).ec);
    CHECK(server.command({"SELECT", "2"}) == "+OK");
    CHECK(test::redis_run(by_password, {"CLIENT", "INFO"}).reply.text.find("db=2") != std::string::npos);

    ipcxx::RedisClient by_user(test::redis_options("unix://alice:wonder@" + server.socket_path() + "?db=2"));
    CHECK(test::redis_run(by_user, {"ACL", "WHOAMI"}).reply.text == "alice");
    CHECK(test::redis_run(by_user, {"GET", "where"}).reply.text == "db2");

    for (const std::string& url : {"redis://:wrong@" + host, "redis://alice:wrong@" + host}) {
        Events events;
        ipcxx::RedisClient refused(test::redis_options(url));
        events.attach(refused);
        CHECK(test::redis_run(refused, {"PING"}).ec == ipcxx::errc::redis_auth_failed);
        CHECK(events.has_error(ipcxx::errc::redis_auth_failed, "WRONGPASS"));
    }
    // No password at all: the server's NOAUTH is an error reply.
    ipcxx::RedisClient anonymous(test::redis_options("redis://" + host));
    const auto noauth = test::redis_run(anonymous, {"PING"});
    CHECK(noauth.ec == ipcxx::errc::redis_error_reply);
    CHECK(noauth.reply.text.rfind("NOAUTH", 0) == 0);
    // A database the server does not have.
    ipcxx::RedisClient bad_db(test::redis_options("redis://:s3cret@" + host + "/9"));
    CHECK(test::redis_run(bad_db, {"PING"}).ec == ipcxx::errc::redis_bad_url);
}

TEST_CASE("a bad URL ends every command with redis_bad_url", "[redis]") {
    Events events;
    ipcxx::RedisClient client(test::redis_options("redis://host:99999"));
    events.attach(client);
    CHECK(test::redis_run(client, {"PING"}).ec == ipcxx::errc::redis_bad_url);
    CHECK(events.has_error(ipcxx::errc::redis_bad_url, "port '99999'"));
}

TEST_CASE("on the caller's io_context, nothing is attempted before the first command: its error reaches a handler set late", "[redis]") {
    asio::io_context io;
    ipcxx::RedisClient client(io, test::redis_options("redis://host:99999"));
    // Were the client connecting from its construction, this would run the failed attempt, and its
    // error event would find no handler.
    io.poll();
    std::vector<std::error_code> errors;
    client.on_error([&](std::error_code ec, const std::string&) { errors.push_back(ec); });
    std::error_code ended;
    bool done = false;
    client.command({"PING"}, [&](std::error_code ec, ipcxx::RedisReply) {
        ended = ec;
        done = true;
    });
    for (int i = 0; i < 1000 && !done; ++i) {
        io.restart();  // run out of work (the poll above, or between posts): run again
        io.run_one_for(10ms);
    }
    REQUIRE(done);
    CHECK(ended == ipcxx::errc::redis_bad_url);
    REQUIRE(errors.size() == 1);
    CHECK(errors.front() == ipcxx::errc::redis_bad_url);
}

TEST_CASE("connect_timeout: a server that accepts and never answers the handshake", "[redis]") {
    test::TempDir dir;
    const std::string path = dir.path() + "/silent.sock";
    FakeRedis fake(path, [](Local::socket&) {}, /*hold=*/true);
    auto options = test::redis_options("unix://:pw@" + path);
    options.connect_timeout = 200ms;
    options.max_retries = 2;
    Events events;
    ipcxx::RedisClient client(options);
    events.attach(client);
    CHECK(test::redis_run(client, {"PING"}).ec == ipcxx::errc::retries_exhausted);
    CHECK(events.has_error(ipcxx::errc::connect_timeout, "within 200 ms"));
}

TEST_CASE("the pending queue is bounded: past max_pending_bytes a command ends with queue_full", "[redis]") {
    test::TempDir dir;
    auto options = test::redis_options("unix://" + dir.path() + "/nobody.sock");
    options.max_pending_bytes = 1000;
    ipcxx::RedisClient client(options);
    auto fits = test::redis_outcome(client, {"SET", "k", std::string(500, 'x')});
    CHECK(test::redis_run(client, {"SET", "k", std::string(600, 'x')}).ec == ipcxx::errc::queue_full);
    CHECK(fits.wait_for(0ms) == std::future_status::timeout);
}

TEST_CASE("destroyed from another thread with commands in flight: each ends once, before the destructor returns",
          "[redis]") {
    test::RedisServer server;
    for (int round = 0; round < 5; ++round) {
        auto client = std::make_unique<ipcxx::RedisClient>(test::redis_options(server.unix_url()));
        constexpr int count = 2000;
        std::atomic<int> ended{0};
        std::atomic<int> not_connected{0};
        for (int i = 0; i < count; ++i) {
            client->command({"INCR", "n"}, [&](std::error_code ec, RedisReply) {
                ++ended;
                if (ec == ipcxx::errc::not_connected) ++not_connected;
            });
        }
        if (round > 0) test::eventually([&] { return ended > round * 100; });
        std::thread destroyer([&] {
            test::Watchdog watchdog(10s, "~RedisClient");
            client.reset();
        });
        destroyer.join();
        CHECK(ended == count);
    }
}

TEST_CASE("destroyed from inside its own reply handler", "[redis]") {
    test::RedisServer server;
    auto client = std::make_unique<ipcxx::RedisClient>(test::redis_options(server.unix_url()));
    std::promise<void> destroyed;
    std::atomic<int> after{0};
    client->command({"PING"}, [&](std::error_code, RedisReply) {
        client.reset();
        destroyed.set_value();
    });
    client->command({"PING"}, [&](std::error_code ec, RedisReply) {
        if (ec == ipcxx::errc::not_connected) ++after;
    });
    auto f = destroyed.get_future();
    REQUIRE(f.wait_for(10s) == std::future_status::ready);
    CHECK(after == 1);
}

TEST_CASE("a reply handler that throws becomes an error event, and the client goes on", "[redis]") {
    test::RedisServer server;
    Events events;
    ipcxx::RedisClient client(test::redis_options(server.unix_url()));
    events.attach(client);
    client.command({"PING"}, [](std::error_code, RedisReply) { throw std::runtime_error("boom"); });
    CHECK(test::redis_run(client, {"PING"}).reply.text == "PONG");
    CHECK(events.has_error(ipcxx::errc::handler_exception, "boom"));
}

}  // namespace redis_fault_tests
