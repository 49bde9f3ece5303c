// JSON lines over stdio: spawn_json_lines() with a Node.js child (readline on stdin,
// console.log(JSON.stringify(...)) on stdout) and with a C++ child on stdio_channel(); bad lines,
// refused descriptors, disconnect, and stdio_channel() over plain pipes and a closed stdin.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "ipcxx/error.hpp"
#include "ipcxx/exec.hpp"
#include "ipcxx/json_lines.hpp"
#include "process/process_watch.hpp"

namespace jsonl_stdio_tests {

using namespace std::chrono_literals;

const std::string node = IPCXX_TEST_NODE;
const std::string peer_js = IPCXX_JSONL_PEER_JS;
const std::string stdio_child = IPCXX_JSONL_STDIO_CHILD;

// What a channel delivered, in order: "EVENT DATA-AS-JSON" per message, "error NAME: MESSAGE" per
// error event, "disconnect"; with waits bounded by a deadline.
class Received {
public:
    explicit Received(ipcxx::Channel& channel) {
        channel.on("*", [this](std::string_view event, const ipcxx::Payload& data) {
            add(std::string(event) + " " + data.to_json());
        });
        channel.on("error", [this](const ipcxx::ErrorEvent& e) {
            {
                std::lock_guard<std::mutex> lock(mutex_);
                errors_.push_back(e.code);
            }
            add("error " + e.code.message() + ": " + e.message);
        });
        channel.on("disconnect", [this] { add("disconnect"); });
    }

    // The first entry starting with `prefix`, waited for; empty when none came in time.
    std::string wait_for(const std::string& prefix, std::chrono::milliseconds timeout = 10s) {
        std::unique_lock<std::mutex> lock(mutex_);
        std::string found;
        cv_.wait_for(lock, timeout, [&] {
            for (const auto& entry : entries_) {
                if (entry.compare(0, prefix.size(), prefix) == 0) {
                    found = entry;
                    return true;
                }
            }
            return false;
        });
        return found;
    }
    std::vector<std::error_code> errors() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return errors_;
    }
    std::vector<std::string> entries() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return entries_;
    }

private:
    void add(std::string entry) {
        std::lock_guard<std::mutex> lock(mutex_);
        entries_.push_back(std::move(entry));
        cv_.notify_all();
    }

    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<std::string> entries_;
    std::vector<std::error_code> errors_;
};

// A child on spawn_json_lines(), its channel started and its "ready" line seen. The channel and the
// child go first, so that no handler of `got` or `watch` runs once those are gone.
struct JsonLinesChild {
    explicit JsonLinesChild(const std::string& program, const std::vector<std::string>& args,
                            ipcxx::ChannelOptions options = {})
        : child(std::make_unique<ipcxx::ChildProcess>()), watch(*child) {
        std::error_code ec;
        channel = ipcxx::spawn_json_lines(*child, program, args, {}, ec, options);
        REQUIRE(channel);
        got = std::make_unique<Received>(*channel);
        channel->start();
        REQUIRE_FALSE(got->wait_for("ready").empty());
    }
    ~JsonLinesChild() {
        channel.reset();
        child.reset();
    }

    std::unique_ptr<ipcxx::ChildProcess> child;
    test::ProcessWatch watch;
    std::unique_ptr<Received> got;
    std::unique_ptr<ipcxx::Channel> channel;
};

std::string invalid_argument() { return std::error_code(ipcxx::errc::invalid_argument).message(); }

TEST_CASE("jsonl: a Node child reading JSON lines on stdin answers on stdout", "[jsonl]") {
    JsonLinesChild peer(node, {peer_js});
    auto& channel = peer.channel;
    auto& got = *peer.got;
    CHECK_FALSE(got.wait_for("ready {\"pid\":").empty());

    SECTION("values of every kind, a newline inside a string, a big message") {
        const auto value = ipcxx::Payload::from_json(
            R"({"s":"é€😀 line\nbreak","n":[1,-2.5,true,false,null,12345678901234],"o":{"a":{}}})");
        REQUIRE(channel->emit("echo", value) == std::error_code());
        CHECK(got.wait_for("echo {") == "echo " + value.to_json());
        const std::string big(1 << 20, 'x');
        REQUIRE(channel->emit("echo", big) == std::error_code());
        CHECK(got.wait_for("echo \"x").size() == std::string("echo \"\"").size() + big.size());
    }
    SECTION("a message that is not an event reaches the child as it is") {
        REQUIRE(channel->send_json("[1,2,3]").accepted());
        CHECK_FALSE(got.wait_for("unknown [1,2,3]").empty());
    }
    SECTION("no descriptor can be sent") {
        const ipcxx::SendStatus status = channel->send(ipcxx::Payload::from_json("{}"), 0);
        CHECK(status.error == ipcxx::errc::invalid_argument);
    }
    SECTION("the child's exit ends the channel") {
        REQUIRE(channel->emit("exit", 0) == std::error_code());
        CHECK_FALSE(got.wait_for("disconnect").empty());
        REQUIRE(peer.watch.closed());
        CHECK(peer.watch.exit_status().code == 0);
    }
    CHECK(got.errors().empty());
}

TEST_CASE("jsonl: a line that is not JSON is an error event naming it", "[jsonl]") {
    ipcxx::ChannelOptions options;
    const bool close_on_bad_input = GENERATE(false, true);
    options.close_on_bad_input = close_on_bad_input;
    JsonLinesChild peer(node, {peer_js}, options);
    auto& channel = peer.channel;
    auto& got = *peer.got;

    REQUIRE(channel->emit("garbage", "this is not json") == std::error_code());
    const std::string error = got.wait_for("error ");
    CHECK_FALSE(error.empty());
    REQUIRE_FALSE(got.errors().empty());
    CHECK(got.errors()[0] == ipcxx::errc::invalid_json);
    // The bad line is the child's second (after "ready").
    CHECK(error.find("line 2") != std::string::npos);
    if (close_on_bad_input) {
        CHECK_FALSE(got.wait_for("disconnect").empty());
        CHECK(got.errors().size() == 1);  // the bad line, not again as the reason of the close
        CHECK(got.wait_for("after", 300ms).empty());
    } else {
        CHECK_FALSE(got.wait_for("after").empty());
        REQUIRE(channel->emit("echo", 7) == std::error_code());
        CHECK_FALSE(got.wait_for("echo 7").empty());
    }
}

TEST_CASE("jsonl: disconnect() writes what was accepted, then the child reads EOF", "[jsonl]") {
    JsonLinesChild peer(node, {peer_js});
    auto& channel = peer.channel;
    auto& got = *peer.got;
    auto& watch = peer.watch;
    for (int i = 0; i < 100; ++i) REQUIRE(channel->emit("echo", std::string(1000, 'a')) == std::error_code());
    channel->disconnect();
    CHECK_FALSE(got.wait_for("disconnect").empty());
    REQUIRE(watch.closed());
    INFO("stderr: " << watch.err() << " signal " << watch.exit_status().signal.value_or(0));
    CHECK(watch.exit_status().code == 0);
    CHECK(watch.err().find("eof after 100 lines") != std::string::npos);
}

TEST_CASE("jsonl: a C++ child on stdio_channel()", "[jsonl]") {
    JsonLinesChild peer(stdio_child, {});
    auto& channel = peer.channel;
    auto& got = *peer.got;
    auto& watch = peer.watch;

    REQUIRE(channel->emit("echo", std::vector<int>{1, 2, 3}) == std::error_code());
    CHECK(got.wait_for("echo ") == "echo [1,2,3]");
    REQUIRE(channel->emit("probe") == std::error_code());
    const std::string probe = got.wait_for("probe ");
    CHECK(probe.find("\"second_call\":\"" + invalid_argument() + "\"") != std::string::npos);
    CHECK(probe.find("\"send_fd\":\"" + invalid_argument() + "\"") != std::string::npos);

    channel->disconnect();
    REQUIRE(watch.closed());
    CHECK(watch.exit_status().code == 0);
    // The child's printf went to its stderr, not into the stream (where it would be a bad line).
    CHECK(watch.err().find("a stray line on stdout") != std::string::npos);
    CHECK(got.errors().empty());
}

TEST_CASE("jsonl: stdio_channel() as a filter, with a bad line in the middle", "[jsonl]") {
    const std::string lines = "{\"type\":\"echo\",\"data\":1}\nnot json\n{\"type\":\"echo\",\"data\":2}\n";
    const std::string expected_out =
        "{\"type\":\"ready\",\"data\":{}}\n"
        "{\"type\":\"echo\",\"data\":1}\n"
        "{\"type\":\"bad_input\",\"data\":{\"code\":\"" +
        std::error_code(ipcxx::errc::invalid_json).message();
    const std::string last_answer = "{\"type\":\"echo\",\"data\":2}\n";

    // Through a shell, the child's stdin and stdout are pipes (pipe(2)), not socketpairs.
    const bool through_pipes = GENERATE(false, true);
    ipcxx::ChildProcess child;
    test::ProcessWatch watch(child);
    if (through_pipes) {
        REQUIRE_FALSE(child.spawn("/bin/sh", {"-c", "cat | \"$0\" | cat", stdio_child}));
    } else {
        REQUIRE_FALSE(child.spawn(stdio_child));
    }
    REQUIRE_FALSE(child.write(lines));
    child.end_stdin();
    REQUIRE(watch.closed());
    CHECK(watch.exit_status().code == 0);
    INFO(watch.out());
    CHECK(watch.out().compare(0, expected_out.size(), expected_out) == 0);
    CHECK(watch.out().find(last_answer) != std::string::npos);
    CHECK(watch.err().find("a stray line on stdout") != std::string::npos);
}

// Lines {"type":"echo","data":1} ... {"type":"echo","data":count}, one per line.
std::string echo_lines(int count) {
    std::string lines;
    for (int i = 1; i <= count; ++i) lines += "{\"type\":\"echo\",\"data\":" + std::to_string(i) + "}\n";
    return lines;
}

TEST_CASE("jsonl: a filter on stdio_channel() answers every line before its input's EOF", "[jsonl]") {
    constexpr int count = 200;
    const std::string lines = echo_lines(count);
    ipcxx::ChildProcess child;
    test::ProcessWatch watch(child);
    REQUIRE_FALSE(child.spawn(stdio_child));
    // All the input and its end at once: the answers are still queued when the child reads EOF.
    REQUIRE_FALSE(child.write(lines));
    child.end_stdin();
    REQUIRE(watch.closed());
    INFO("stderr: " << watch.err());
    CHECK(watch.exit_status().code == 0);
    CHECK(watch.out() == "{\"type\":\"ready\",\"data\":{}}\n" + lines);
    CHECK(watch.err().find("error:") == std::string::npos);
}

TEST_CASE("jsonl: the parent sees every answer of a filter, then disconnect", "[jsonl]") {
    constexpr int count = 200;
    const std::string lines = echo_lines(count);
    auto child = std::make_unique<ipcxx::ChildProcess>();
    test::ProcessWatch watch(*child);
    std::unique_ptr<Received> received;  // made once the channel is, gone after it
    std::error_code ec;
    // The filter's input is a pipe from printf: it reads EOF right after the lines.
    auto channel = ipcxx::spawn_json_lines(*child, "/bin/sh", {"-c", "printf '%s' \"$1\" | \"$0\"", stdio_child, lines},
                                           {}, ec);
    REQUIRE(channel);
    received = std::make_unique<Received>(*channel);
    Received& got = *received;
    channel->start();
    CHECK_FALSE(got.wait_for("disconnect").empty());
    REQUIRE(watch.closed());
    channel.reset();
    INFO("stderr: " << watch.err());
    CHECK(watch.exit_status().code == 0);
    std::vector<std::string> expected{"ready {}"};
    for (int i = 1; i <= count; ++i) expected.push_back("echo " + std::to_string(i));
    expected.push_back("disconnect");
    CHECK(got.entries() == expected);
    CHECK(watch.err().find("error:") == std::string::npos);
}

TEST_CASE("jsonl: stdio_channel() with stdin closed is channel_fd_closed", "[jsonl]") {
    ipcxx::ExecOptions options;
    options.timeout = 20s;
    const ipcxx::ExecResult r = ipcxx::spawn_sync("/bin/sh", {"-c", "exec \"$0\" <&-", stdio_child}, options);
    CHECK(r.status.code == 2);
    CHECK(r.err.find(std::error_code(ipcxx::errc::channel_fd_closed).message()) != std::string::npos);
}

}  // namespace jsonl_stdio_tests
