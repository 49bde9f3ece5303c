// Node's IPC channel against real Node 20 in both roles, a raw peer sending bad input, and the
// bad descriptors a child may be given.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ipcxx/channel.hpp"
#include "ipcxx/child_process.hpp"
#include "ipcxx/error.hpp"
#include "listening_socket.hpp"
#include "process/process_watch.hpp"
#include "support/fixtures.hpp"

using namespace std::chrono_literals;

namespace channel_test {

const std::string node = "/usr/bin/node";
const std::string scripts = IPCXX_CHANNEL_TEST_DIR;
const std::string child_program = IPCXX_CHANNEL_CHILD;

// A child with a channel at fd 3 (Node's fork() layout), stdout piped.
ipcxx::SpawnOptions ipc_options() {
    ipcxx::SpawnOptions options;
    options.stdio = {ipcxx::StdioSlot::ignore(), ipcxx::StdioSlot::pipe(), ipcxx::StdioSlot::inherit(),
                     ipcxx::StdioSlot::ipc()};
    return options;
}

// Records what a channel delivers: messages (as JSON), internal messages, events, errors.
struct ChannelWatch {
    explicit ChannelWatch(ipcxx::Channel& channel, test::Log& events) : log(events) {
        channel.on_message([this](const ipcxx::Payload& m) { add(messages, m.to_json()); });
        channel.on_internal_message([this](const ipcxx::Payload& m) { add(internal, m.to_json()); });
        channel.on("disconnect", [this] { log.add("disconnect"); });
        channel.on("drain", [this] { log.add("drain"); });
        channel.on("error", [this](const ipcxx::ErrorEvent& e) {
            add(errors, e.code.message());
            log.add("error");
        });
    }
    void add(std::vector<std::string>& list, std::string entry) {
        {
            std::lock_guard<std::mutex> lock(mutex);
            list.push_back(std::move(entry));
        }
        log.add("message");
    }
    std::vector<std::string> get(const std::vector<std::string>& list) {
        std::lock_guard<std::mutex> lock(mutex);
        return list;
    }
    test::Log& log;
    std::mutex mutex;
    std::vector<std::string> messages;
    std::vector<std::string> internal;
    std::vector<std::string> errors;
};

std::string message(ipcxx::errc e) { return make_error_code(e).message(); }

TEST_CASE("C++ parent, Node child: values of every kind both ways, then Node disconnects",
          "[channel][node]") {
    ipcxx::ChildProcess child;
    test::ProcessWatch watch(child);
    ChannelWatch channel(child.channel(), watch.log);
    REQUIRE_FALSE(child.spawn(node, {scripts + "/node_child.js", "echo"}, ipc_options()));
    const std::vector<std::string> values = {
        "\"hello\"", "42", "2.5", "true", "null", "[1,\"\xc3\xa9\",{\"a\":[]}]", "{\"nested\":{\"deep\":[1,2,3]}}",
        "\"line\\nbreak \xe2\x80\xa8\"", "-1e+21", "\"" + std::string(3 << 20, 'y') + "\""};
    for (const auto& v : values) REQUIRE(child.channel().send_json(v).accepted());
    REQUIRE(watch.log.wait_for_count("message", values.size(), 20s));
    std::vector<std::string> expected;
    for (const auto& v : values) expected.push_back("{\"echo\":" + v + "}");
    CHECK(channel.get(channel.messages) == expected);

    REQUIRE(child.channel().send_json("\"bye\"").accepted());
    REQUIRE(watch.closed(20s));
    CHECK(watch.exit_status().code == 0);
    // Node's order: spawn, messages, disconnect, exit, close.
    const auto events = watch.log.entries();
    std::vector<std::string> order;
    for (const auto& e : events) {
        if (e != "message" && e != "drain") order.push_back(e);
    }
    CHECK(order == std::vector<std::string>{"spawn", "disconnect", "exit", "close"});
    CHECK(child.channel().send_json("1").error == ipcxx::errc::not_connected);
}

TEST_CASE("Node's internal messages go apart from user messages", "[channel][node]") {
    ipcxx::ChildProcess child;
    test::ProcessWatch watch(child);
    ChannelWatch channel(child.channel(), watch.log);
    REQUIRE_FALSE(child.spawn(node, {scripts + "/node_child.js", "internal"}, ipc_options()));
    REQUIRE(watch.closed(20s));
    CHECK(channel.get(channel.internal) == std::vector<std::string>{"{\"cmd\":\"NODE_custom\",\"x\":1}"});
    CHECK(channel.get(channel.messages) == std::vector<std::string>{"{\"cmd\":\"NODE_\",\"y\":2}"});
    // And this side refuses to send one.
    ipcxx::ChildProcess other;
    CHECK(other.channel().send_json("{\"cmd\":\"NODE_X\"}").error == ipcxx::errc::invalid_argument);
}

TEST_CASE("many messages and big ones from Node arrive whole and in order", "[channel][node]") {
    const auto [count, size] = GENERATE(std::make_pair(3000, 50), std::make_pair(4, 2 << 20));
    ipcxx::ChildProcess child;
    test::ProcessWatch watch(child);
    ChannelWatch channel(child.channel(), watch.log);
    REQUIRE_FALSE(child.spawn(node, {scripts + "/node_child.js", "many", std::to_string(count), std::to_string(size)},
                              ipc_options()));
    REQUIRE(watch.log.wait_for_count("message", static_cast<std::size_t>(count) + 1, 30s));
    const auto got = channel.get(channel.messages);
    REQUIRE(got.size() == static_cast<std::size_t>(count) + 1);
    const std::string s(static_cast<std::size_t>(size), 'x');
    for (int i = 0; i < count; ++i) {
        REQUIRE(got[static_cast<std::size_t>(i)] == "{\"i\":" + std::to_string(i) + ",\"s\":\"" + s + "\"}");
    }
    CHECK(got.back() == "{\"done\":" + std::to_string(count) + "}");
    child.channel().send_json("\"bye\"");
    REQUIRE(watch.closed(20s));
}

TEST_CASE("events and requests both ways with a Node child", "[channel][node]") {
    ipcxx::ChildProcess child;
    test::ProcessWatch watch(child);
    ipcxx::Channel& c = child.channel();
    ChannelWatch channel(c, watch.log);
    c.on("pong", [&](const ipcxx::Payload& data) { watch.log.add("pong " + data.to_json()); });
    c.handle<long long>("double", [](long long n) { return 2 * n; });
    REQUIRE_FALSE(child.spawn(node, {scripts + "/node_child.js", "echo"}, ipc_options()));

    CHECK(c.emit("error", 1) == ipcxx::errc::reserved_event);
    CHECK(c.emit("", 1) == ipcxx::errc::invalid_argument);
    REQUIRE_FALSE(c.emit("ping", 5));
    REQUIRE(watch.log.wait_for("pong 5", 20s));

    auto sum = c.request("sum", std::vector<int>{1, 2, 3}, 10s);
    REQUIRE(sum.wait_for(20s) == std::future_status::ready);
    CHECK(sum.get().to_json() == "6");
    auto missing = c.request("nope", 1, 10s);
    REQUIRE(missing.wait_for(20s) == std::future_status::ready);
    CHECK_THROWS_WITH(missing.get(), Catch::Contains("node has no nope"));

    // Node asks, C++'s handler answers, Node reports the answer back.
    REQUIRE(c.send_json("{\"type\":\"ask\",\"data\":21}").accepted());
    const std::string answer = "{\"node_got_response\":{\"id\":7,\"data\":42}}";
    // Messages: the pong (also an event) and Node's report.
    REQUIRE(watch.log.wait_for_count("message", 2, 20s));
    const auto got = channel.get(channel.messages);
    CHECK(std::find(got.begin(), got.end(), answer) != got.end());

    c.send_json("\"bye\"");
    REQUIRE(watch.closed(20s));
}

TEST_CASE("disconnect writes what was accepted; backpressure flag and drain", "[channel][node]") {
    ipcxx::ChildProcess child;
    test::ProcessWatch watch(child);
    ChannelWatch channel(child.channel(), watch.log);
    REQUIRE_FALSE(child.spawn(node, {scripts + "/node_child.js", "count"}, ipc_options()));
    const std::string big = "\"" + std::string(100000, 'z') + "\"";
    std::vector<bool> keep;
    for (int i = 0; i < 20; ++i) {
        const ipcxx::SendStatus status = child.channel().send_json(big);
        REQUIRE(status.accepted());
        keep.push_back(status.keep_sending);
    }
    CHECK(keep.front());  // 100 kB queued: below 128 KiB
    CHECK(std::find(keep.begin(), keep.end(), false) != keep.end());  // more than 128 KiB queued
    child.channel().disconnect();
    CHECK(child.channel().send_json("1").error == ipcxx::errc::not_connected);
    REQUIRE(watch.closed(20s));
    // Node's own disconnect() would have lost most of these.
    CHECK(watch.out() == "{\"count\":20,\"bytes\":" + std::to_string(20 * 100002) + "}\n");
    CHECK(watch.log.count("drain") >= 1);
    CHECK(channel.get(channel.errors).empty());
}

TEST_CASE("descriptors passed both ways with a Node child", "[channel][node]") {
    ipcxx::ChildProcess child;
    test::ProcessWatch watch(child);
    ipcxx::Channel& c = child.channel();
    ChannelWatch channel(c, watch.log);
    int listening = -1;
    c.on_handle([&](const ipcxx::Payload& m, int fd) {
        listening = channel_test_support::listening_socket(fd);
        ::close(fd);
        watch.log.add("handle " + m.to_json().substr(0, 14));
    });
    REQUIRE_FALSE(child.spawn(node, {scripts + "/node_child.js", "echo"}, ipc_options()));

    // C++ -> Node: one end of a socketpair, read and answered by Node through it.
    int pair[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
    REQUIRE(c.send(ipcxx::Payload::from_json("{\"take\":1}"), pair[1]).accepted());
    ::close(pair[1]);  // the channel sent its own duplicate
    REQUIRE(::write(pair[0], "hello", 5) == 5);
    REQUIRE(watch.log.wait_for("message", 20s));
    CHECK(channel.get(channel.messages).front() == "{\"via_handle\":\"hello\",\"msg\":{\"take\":1}}");
    char buffer[64] = {};
    const ssize_t n = ::read(pair[0], buffer, sizeof buffer);
    CHECK(std::string(buffer, n > 0 ? static_cast<std::size_t>(n) : 0) == "node read it");
    ::close(pair[0]);

    // Node -> C++: a listening server; Node's next message leaves only after this side's ACK.
    REQUIRE(c.send_json("\"send-server\"").accepted());
    REQUIRE(watch.log.wait_for_count("message", 2, 20s));
    CHECK(channel.get(channel.messages).back() == "\"after-handle\"");
    CHECK(watch.log.count("handle {\"server_port\"") == 1);
    CHECK(listening == 1);
    c.send_json("\"bye\"");
    REQUIRE(watch.closed(20s));
    CHECK(channel.get(channel.errors).empty());
}

TEST_CASE("Node parent, C++ child: values, a descriptor, a request, disconnect", "[channel][node]") {
    ipcxx::ChildProcess parent;
    test::ProcessWatch watch(parent);
    ipcxx::SpawnOptions options;
    options.stdio = {ipcxx::StdioSlot::ignore(), ipcxx::StdioSlot::pipe(), ipcxx::StdioSlot::pipe()};
    REQUIRE_FALSE(parent.spawn(node, {scripts + "/node_parent.js", child_program}, options));
    REQUIRE(watch.closed(60s));
    INFO("stderr: " << watch.err());
    CHECK(watch.exit_status().code == 0);
    CHECK(watch.out() == "spawn,disconnect,exit 0,close 0\n");
}

TEST_CASE("parent_channel refuses bad descriptors with a clear error", "[channel]") {
    struct Case {
        const char* name;
        std::optional<std::string> value;
        int slot_fd;  // given to the child at fd 3, or -1
        ipcxx::errc expected;
    };
    int pipe_fds[2];
    REQUIRE(::pipe2(pipe_fds, O_CLOEXEC) == 0);
    const int dev_null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    const std::vector<Case> cases = {
        {"unset", std::nullopt, -1, ipcxx::errc::no_channel},
        {"empty", std::string(), -1, ipcxx::errc::no_channel},
        {"abc", std::string("abc"), -1, ipcxx::errc::bad_channel_fd},
        {"-1", std::string("-1"), -1, ipcxx::errc::bad_channel_fd},
        {"99 closed", std::string("99"), -1, ipcxx::errc::channel_fd_closed},
        {"a pipe", std::string("3"), pipe_fds[0], ipcxx::errc::channel_not_socket},
        {"/dev/null", std::string("3"), dev_null, ipcxx::errc::channel_not_socket},
    };
    for (const Case& c : cases) {
        INFO(c.name);
        ipcxx::ChildProcess child;
        test::ProcessWatch watch(child);
        ipcxx::SpawnOptions options;
        options.stdio = {ipcxx::StdioSlot::ignore(), ipcxx::StdioSlot::pipe(), ipcxx::StdioSlot::inherit()};
        if (c.slot_fd >= 0) options.stdio.push_back(ipcxx::StdioSlot::from_fd(c.slot_fd));
        if (c.value) options.env["NODE_CHANNEL_FD"] = *c.value;
        else options.unset_env.push_back("NODE_CHANNEL_FD");
        REQUIRE_FALSE(child.spawn(child_program, {"check-fd"}, options));
        REQUIRE(watch.closed(20s));
        CHECK(watch.out() == std::to_string(static_cast<int>(c.expected)) + " 1\n");
    }
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    ::close(dev_null);
}

TEST_CASE("bad input from the peer is reported and the channel goes on", "[channel]") {
    int pair[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
    test::Log log;
    ipcxx::ChannelOptions options;
    options.max_message_size = 100;
    ipcxx::Channel c(ipcxx::ChannelLink::socket(pair[0]), options);
    ChannelWatch channel(c, log);
    c.start();
    const std::string input = "1\n{bad}\n\"" + std::string(300, 'x') + "\"\n{\"cmd\":\"NODE_HANDLE\",\"type\":"
                              "\"net.Native\",\"msg\":{}}\n2\n[1,";
    REQUIRE(::write(pair[1], input.data(), input.size()) == static_cast<ssize_t>(input.size()));
    ::shutdown(pair[1], SHUT_WR);
    REQUIRE(log.wait_for("disconnect", 20s));
    CHECK(channel.get(channel.messages) == std::vector<std::string>{"1", "2"});
    CHECK(channel.get(channel.errors) ==
          std::vector<std::string>{message(ipcxx::errc::invalid_json), message(ipcxx::errc::frame_too_large),
                                   message(ipcxx::errc::handle_missing), message(ipcxx::errc::partial_message)});
    // The descriptor-less NODE_HANDLE was answered with a NACK.
    char buffer[128] = {};
    const ssize_t n = ::read(pair[1], buffer, sizeof buffer);
    CHECK(std::string(buffer, n > 0 ? static_cast<std::size_t>(n) : 0) == "{\"cmd\":\"NODE_HANDLE_NACK\"}\n");
    ::close(pair[1]);
}

}  // namespace channel_test

namespace channel_test {

TEST_CASE("a link of two descriptors: lines through pipes; a reader gone ends the channel, not SIGPIPE", "[channel]") {
    int to_channel[2];
    int from_channel[2];
    REQUIRE(::pipe2(to_channel, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(from_channel, O_CLOEXEC) == 0);
    test::Log log;
    ipcxx::Channel c(ipcxx::ChannelLink::descriptors(to_channel[0], from_channel[1]));
    ChannelWatch channel(c, log);
    c.start();
    REQUIRE(::write(to_channel[1], "{\"a\":1}\n", 8) == 8);
    REQUIRE(log.wait_for("message", 20s));
    CHECK(channel.get(channel.messages) == std::vector<std::string>{"{\"a\":1}"});
    REQUIRE(c.send_json("[1,2]").accepted());
    char buffer[16] = {};
    CHECK(::read(from_channel[0], buffer, sizeof buffer) == 6);
    CHECK(std::string(buffer) == "[1,2]\n");
    int socket_pair[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, socket_pair) == 0);
    CHECK(c.send(ipcxx::Payload::from_json("1"), socket_pair[0]).error == ipcxx::errc::invalid_argument);
    ::close(socket_pair[0]);
    ::close(socket_pair[1]);

    ::close(from_channel[0]);
    REQUIRE(c.send_json("2").accepted());
    REQUIRE(log.wait_for("disconnect", 20s));
    const auto errors = channel.get(channel.errors);
    REQUIRE_FALSE(errors.empty());
    CHECK(errors == std::vector<std::string>{message(ipcxx::errc::undelivered)});
    ::close(to_channel[1]);
}

}  // namespace channel_test

namespace channel_destroy_test {

TEST_CASE("a channel destroyed on another thread while it writes frees nothing the write still uses", "[channel]") {
    const std::string big = "\"" + std::string(1 << 20, 'w') + "\"";
    constexpr std::size_t messages = 48;
    for (int round = 0; round < 20; ++round) {
        int pair[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
        std::atomic<std::size_t> received{0};
        std::atomic<bool> all_queued{false};
        // A peer reading in small pieces once all is queued keeps the I/O thread writing when the
        // channel is destroyed.
        std::thread peer([&] {
            if (!test::eventually([&] { return all_queued.load(); }, 20s)) return;
            char buffer[1024];
            while (true) {
                const ssize_t n = ::read(pair[1], buffer, sizeof buffer);
                if (n <= 0) return;
                received += static_cast<std::size_t>(n);
            }
        });
        {
            ipcxx::Channel c(ipcxx::ChannelLink::socket(pair[0]));
            c.start();
            for (std::size_t i = 0; i < messages; ++i) CHECK(c.send_json(big).accepted());
            all_queued = true;
            CHECK(test::eventually([&] { return received.load() > big.size(); }, 20s));
        }
        peer.join();  // the channel closed its end: the peer read EOF
        CHECK(received.load() < messages * (big.size() + 1));  // destroyed before all was written
        ::close(pair[1]);
    }
}

}  // namespace channel_destroy_test

namespace channel_reset_test {

// A child that never reads its channel (fd 3).
ipcxx::SpawnOptions silent_child_options() {
    ipcxx::SpawnOptions options;
    options.stdio = {ipcxx::StdioSlot::ignore(), ipcxx::StdioSlot::ignore(), ipcxx::StdioSlot::inherit(),
                     ipcxx::StdioSlot::ipc()};
    return options;
}

// A child that never reads its channel, with the channel's `disconnect` in the log and its errors kept.
struct SilentChild {
    SilentChild() {
        child.channel().on("disconnect", [this] { watch.log.add("disconnect"); });
        child.channel().on("error", [this](const ipcxx::ErrorEvent& e) {
            std::lock_guard<std::mutex> lock(mutex);
            errors.push_back(e);
        });
    }
    std::error_code spawn() { return child.spawn("/bin/sleep", {"60"}, silent_child_options()); }
    std::vector<ipcxx::ErrorEvent> get_errors() {
        std::lock_guard<std::mutex> lock(mutex);
        return errors;
    }
    std::mutex mutex;  // first: outlives the child, whose handlers use it
    std::vector<ipcxx::ErrorEvent> errors;
    ipcxx::ChildProcess child;
    test::ProcessWatch watch{child};
};

TEST_CASE("a child killed with unread input ends the channel like EOF: disconnect, no error", "[channel]") {
    SilentChild silent;
    ipcxx::ChildProcess& child = silent.child;
    test::ProcessWatch& watch = silent.watch;
    REQUIRE_FALSE(silent.spawn());
    REQUIRE(child.channel().send_json("\"" + std::string(1000, 'u') + "\"").accepted());
    // Written into the child's socket, where nobody reads it: its death resets the connection.
    REQUIRE(test::eventually([&] { return child.channel().pending_bytes() == 0; }, 20s));
    REQUIRE_FALSE(child.kill(SIGKILL));
    REQUIRE(watch.closed(20s));
    CHECK(watch.log.count("disconnect") == 1);
    CHECK(silent.get_errors().empty());
}

TEST_CASE("a child killed while messages are queued: disconnect, and only undelivered reports", "[channel]") {
    SilentChild silent;
    ipcxx::ChildProcess& child = silent.child;
    test::ProcessWatch& watch = silent.watch;
    REQUIRE_FALSE(silent.spawn());
    const std::string big = "\"" + std::string(100000, 'q') + "\"";
    constexpr int sent = 40;  // 4 MB: more than the socket holds, so some stay queued
    for (int i = 0; i < sent; ++i) REQUIRE(child.channel().send_json(big).accepted());
    REQUIRE_FALSE(child.kill(SIGKILL));
    REQUIRE(watch.closed(20s));
    CHECK(watch.log.count("disconnect") == 1);
    const auto errors = silent.get_errors();
    REQUIRE_FALSE(errors.empty());
    std::size_t undelivered = 0;
    for (const auto& e : errors) {
        CHECK(e.code == ipcxx::errc::undelivered);
        undelivered += e.undelivered;
    }
    CHECK(undelivered > 0);
    CHECK(undelivered <= static_cast<std::size_t>(sent));
}

}  // namespace channel_reset_test

namespace channel_ack_timeout_test {

TEST_CASE("disconnect() waits for a descriptor's ACK only handle_ack_timeout, then reports undelivered",
          "[channel]") {
    int pair[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
    int passed[2];
    REQUIRE(::pipe2(passed, O_CLOEXEC) == 0);
    test::Log log;
    ipcxx::ChannelOptions options;
    options.handle_ack_timeout = 200ms;
    ipcxx::Channel c(ipcxx::ChannelLink::socket(pair[0]), options);
    channel_test::ChannelWatch channel(c, log);
    std::atomic<std::size_t> undelivered{0};
    c.on("error", [&](const ipcxx::ErrorEvent& e) { undelivered += e.undelivered; });
    c.start();
    // The raw peer (pair[1]) never answers the NODE_HANDLE: the second message waits behind it.
    REQUIRE(c.send(ipcxx::Payload::from_json("1"), passed[0]).accepted());
    REQUIRE(c.send_json("2").accepted());
    c.disconnect();
    REQUIRE(log.wait_for("disconnect", 20s));
    CHECK(channel.get(channel.errors) == std::vector<std::string>{channel_test::message(ipcxx::errc::undelivered)});
    CHECK(undelivered == 2);
    for (int fd : {passed[0], passed[1], pair[1]}) ::close(fd);
}

}  // namespace channel_ack_timeout_test

namespace channel_destructor_test {

// The other end of a channel's socket: sends `tick` events as fast as it can and answers every
// request it reads with 1, until the channel closes its end or 20 s pass.
class FloodingPeer {
public:
    explicit FloodingPeer(int fd) : fd_(fd), thread_([this] { run(); }) {}
    ~FloodingPeer() {
        stop_ = true;
        thread_.join();
    }
    // The peer ended: the channel closed its end (or the time ran out).
    bool ended() const { return ended_.load(); }
    std::size_t answered() const { return answered_.load(); }

private:
    void run() {
        const std::string tick = "{\"type\":\"tick\",\"data\":1}\n";
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        std::string input;
        std::string output;
        while (!stop_ && std::chrono::steady_clock::now() < deadline) {
            pollfd ready{fd_, POLLIN | POLLOUT, 0};
            if (::poll(&ready, 1, 100) <= 0) continue;
            if (ready.revents & (POLLIN | POLLHUP)) {
                char buffer[4096];
                const ssize_t n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
                if (n <= 0) break;
                input.append(buffer, static_cast<std::size_t>(n));
            }
            for (std::size_t end; (end = input.find('\n')) != std::string::npos; input.erase(0, end + 1)) {
                const std::string line = input.substr(0, end);
                const std::size_t at = line.find("\"id\":");
                if (line.find("ipcxx.request") == std::string::npos || at == std::string::npos) continue;
                const std::string id = line.substr(at + 5, line.find_first_not_of("0123456789", at + 5) - at - 5);
                output += "{\"type\":\"ipcxx.response\",\"data\":{\"id\":" + id + ",\"data\":1}}\n";
                ++answered_;
            }
            if (!(ready.revents & POLLOUT)) continue;
            if (output.empty()) output = tick;
            const ssize_t n = ::send(fd_, output.data(), output.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n < 0 && errno != EAGAIN) break;
            if (n > 0) output.erase(0, static_cast<std::size_t>(n));
        }
        ended_ = true;
    }

    int fd_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> ended_{false};
    std::atomic<std::size_t> answered_{0};
    std::thread thread_;  // last: started once the members above exist
};

// What the handlers and response callbacks of one channel did, and when.
struct Calls {
    std::atomic<int> ticks{0};
    std::atomic<int> callbacks{0};
    std::mutex mutex;
    std::vector<int> callbacks_per_request;
    std::vector<std::error_code> errors;
    std::vector<std::thread::id> threads;
};

TEST_CASE("requests still open end inside ~Channel, on the destroying thread", "[channel]") {
    int pair[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
    Calls calls;
    auto channel = std::make_unique<ipcxx::Channel>(ipcxx::ChannelLink::socket(pair[0]));
    channel->start();
    for (int i = 0; i < 3; ++i) {
        channel->request("never_answered", i, 30s, [&](const ipcxx::Response& response) {
            std::lock_guard<std::mutex> lock(calls.mutex);
            calls.errors.push_back(response.error);
            calls.threads.push_back(std::this_thread::get_id());
        });
    }
    std::thread::id destroyer;
    std::size_t ended_before_return = 0;
    std::thread([&] {
        destroyer = std::this_thread::get_id();
        channel.reset();
        std::lock_guard<std::mutex> lock(calls.mutex);
        ended_before_return = calls.errors.size();
    }).join();
    CHECK(ended_before_return == 3);
    std::lock_guard<std::mutex> lock(calls.mutex);
    CHECK(calls.errors == std::vector<std::error_code>(3, make_error_code(ipcxx::errc::not_connected)));
    CHECK(calls.threads == std::vector<std::thread::id>(3, destroyer));
    ::close(pair[1]);
}

TEST_CASE("no handler or response callback runs after ~Channel returns, while messages and answers arrive",
          "[channel]") {
    for (int round = 0; round < 20; ++round) {
        int pair[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
        Calls calls;
        std::atomic<bool> destroying{false};
        std::atomic<bool> handler_finished{false};
        std::atomic<bool> armed{false};
        std::atomic<bool> blocking{false};
        const bool block_in_handler = round % 2 == 0;
        constexpr int requests = 200;
        calls.callbacks_per_request.assign(requests, 0);
        {
            FloodingPeer peer(pair[1]);
            auto channel = std::make_unique<ipcxx::Channel>(ipcxx::ChannelLink::socket(pair[0]));
            channel->on("tick", [&] {
                ++calls.ticks;
                if (!armed.load() || blocking.exchange(true)) return;
                // One tick holds the I/O thread until the destructor has begun, and a little longer
                // (work in progress): the destructor must wait for it.
                test::eventually([&] { return destroying.load(); }, 20s);
                std::this_thread::sleep_for(20ms);
                handler_finished = true;
            });
            channel->start();
            for (int i = 0; i < requests; ++i) {
                channel->request("add", i, 30s, [&calls, i](const ipcxx::Response&) {
                    ++calls.callbacks;
                    std::lock_guard<std::mutex> lock(calls.mutex);
                    ++calls.callbacks_per_request[static_cast<std::size_t>(i)];
                });
            }
            REQUIRE(test::eventually([&] { return calls.ticks.load() > 0 && peer.answered() > 0; }, 20s));
            if (block_in_handler) {
                armed = true;
                REQUIRE(test::eventually([&] { return blocking.load(); }, 20s));
            }
            std::thread([&] {
                destroying = true;
                channel.reset();
            }).join();
            if (block_in_handler) CHECK(handler_finished.load());
            const int ticks = calls.ticks.load();
            const int callbacks = calls.callbacks.load();
            CHECK(callbacks == requests);  // every request ended by the time the destructor returned
            // The peer goes on writing until it sees the channel's end closed; nothing reaches a
            // handler meanwhile.
            REQUIRE(test::eventually([&] { return peer.ended(); }, 20s));
            CHECK(calls.ticks.load() == ticks);
            CHECK(calls.callbacks.load() == callbacks);
        }
        std::lock_guard<std::mutex> lock(calls.mutex);
        CHECK(std::count(calls.callbacks_per_request.begin(), calls.callbacks_per_request.end(), 1) == requests);
        ::close(pair[1]);
    }
}

}  // namespace channel_destructor_test
