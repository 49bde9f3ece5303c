// `ipcxx bus ...`: its options (tools/ipcxx/bus_options.cpp), and the tool against a redis-server of
// the test's own, with the library's Bus or another ipcxx process on the other side.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "bus_options.hpp"
#include "ipcxx/bus.hpp"
#include "support/child_process.hpp"
#include "support/fixtures.hpp"
#include "support/redis_server.hpp"

extern char** environ;

namespace cli_bus_tests {

using namespace std::chrono_literals;
using ipcxx_cli::BusCommand;
using ipcxx_cli::BusParseResult;
using ipcxx_cli::parse_bus_options;

ipcxx_cli::BusCliOptions parsed(std::vector<std::string> args) {
    const BusParseResult result = parse_bus_options(args);
    INFO(result.error);
    REQUIRE(result.action == BusParseResult::Action::run);
    return result.options;
}

std::string refused(std::vector<std::string> args) {
    const BusParseResult result = parse_bus_options(args);
    REQUIRE(result.action == BusParseResult::Action::error);
    CHECK(result.error.find('\n') == std::string::npos);
    return result.error;
}

TEST_CASE("bus options: commands, defaults and arguments", "[cli]") {
    const auto emit = parsed({"emit", "--redis", "unix:///tmp/r.sock", "--bus=orders", "paid", "{\"id\":7}"});
    CHECK(emit.command == BusCommand::emit);
    CHECK(emit.redis == "unix:///tmp/r.sock");
    CHECK(emit.bus == "orders");
    CHECK(emit.has_event);
    CHECK(emit.event == "paid");
    CHECK(emit.data.to_json() == "{\"id\":7}");
    CHECK_FALSE(parsed({"emit"}).has_event);  // stdin lines

    const auto consume = parsed({"consume", "--group", "billing", "--consumer", "c1"});
    CHECK(consume.group == "billing");
    CHECK(consume.consumer == "c1");
    CHECK(consume.redis == "redis://127.0.0.1:6379");
    CHECK(consume.bus == "default");

    const auto subscribe = parsed({"subscribe", "--pattern", "order.*", "tick"});
    CHECK(subscribe.pattern);
    CHECK(subscribe.names == std::vector<std::string>{"order.*", "tick"});
    CHECK(parsed({"request", "--timeout", "250", "add", "[1,2]"}).timeout == 250ms);
    CHECK(parse_bus_options({"--help"}).action == BusParseResult::Action::help);
}

TEST_CASE("bus options: what is refused, in one line naming it", "[cli]") {
    CHECK(refused({}).find("needs a command") != std::string::npos);
    CHECK(refused({"shout"}).find("'shout'") != std::string::npos);
    CHECK(refused({"request"}).find("EVENT") != std::string::npos);
    CHECK(refused({"subscribe"}).find("event name") != std::string::npos);
    CHECK(refused({"emit", "x", "{oops"}).find("not JSON") != std::string::npos);
    CHECK(refused({"emit", "--group", "g"}).find("only for 'consume'") != std::string::npos);
    CHECK(refused({"consume", "--pattern"}).find("only for 'subscribe'") != std::string::npos);
    CHECK(refused({"request", "--timeout", "0", "x"}).find("above 0") != std::string::npos);
    CHECK(refused({"consume", "extra"}).find("no arguments") != std::string::npos);
    CHECK(refused({"emit", "--redis"}).find("needs a value") != std::string::npos);
}

// One run of the tool to its end: exit status and stdout, within a deadline (killed past it).
struct ToolRun {
    int status = -1;
    std::string out;
};

ToolRun run_tool(std::vector<std::string> args, std::chrono::milliseconds deadline = 15s) {
    args.insert(args.begin(), IPCXX_CLI);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int out_pipe[2];
    REQUIRE(pipe(out_pipe) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
    pid_t pid = -1;
    const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out_pipe[1]);
    REQUIRE(spawned == 0);
    ToolRun run;
    const auto end = std::chrono::steady_clock::now() + deadline;
    char buffer[4096];
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            kill(pid, SIGKILL);
            break;
        }
        pollfd p{out_pipe[0], POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
        const ssize_t n = read(out_pipe[0], buffer, sizeof buffer);
        if (n <= 0) break;
        run.out.append(buffer, static_cast<std::size_t>(n));
    }
    close(out_pipe[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
}

test::LinePredicate type_is(std::string type) {
    return [type = std::move(type)](const test::PeerLine& line) { return line.str("type") == type; };
}

ipcxx::BusOptions bus_options(const test::RedisServer& server) {
    ipcxx::BusOptions options;
    options.redis.url = server.unix_url();
    options.name = "cli";
    options.block = 200ms;
    options.silent = true;
    return options;
}

TEST_CASE("ipcxx bus emit, consume and request against a redis-server", "[cli]") {
    test::RedisServer server;
    const std::string url = server.unix_url();
    test::ChildProcess consumer({IPCXX_CLI, "bus", "consume", "--redis", url, "--bus", "cli", "--consumer", "tool"});
    const ToolRun emitted = run_tool({"bus", "emit", "--redis", url, "--bus", "cli", "job", "{\"n\":5}"});
    CHECK(emitted.status == 0);
    auto line = consumer.wait_line(type_is("job"));
    REQUIRE(line);
    CHECK(line->text() == "{\"type\":\"job\",\"data\":{\"n\":5}}");

    // On a bus of its own: the consuming tool above, without a handler, would answer no_handler.
    auto options = bus_options(server);
    options.name = "calc";
    ipcxx::Bus responder(options);
    responder.handle<std::vector<int>>("add", [](const std::vector<int>& terms) { return terms.at(0) + terms.at(1); });
    responder.start();
    const ToolRun answered = run_tool({"bus", "request", "--redis", url, "--bus", "calc", "add", "[1,3]"});
    CHECK(answered.status == 0);
    CHECK(answered.out == "4\n");
}

TEST_CASE("ipcxx bus request with nobody consuming ends with request_timeout, exit status 1", "[cli]") {
    test::RedisServer server;
    const ToolRun run = run_tool({"bus", "request", "--redis", server.unix_url(), "--timeout", "300", "add", "[1,3]"});
    CHECK(run.status == 1);
    CHECK(run.out.empty());
}

TEST_CASE("ipcxx bus publish reaches ipcxx bus subscribe --pattern", "[cli]") {
    test::RedisServer server;
    const std::string url = server.unix_url();
    test::ChildProcess subscriber({IPCXX_CLI, "bus", "subscribe", "--redis", url, "--pattern", "order.*"});
    // At most once: published until the subscription is surely in place.
    REQUIRE(test::eventually([&] {
        run_tool({"bus", "publish", "--redis", url, "order.paid", "7"});
        return subscriber.count(type_is("order.paid")) > 0;
    }, 20s));
    CHECK(subscriber.lines(type_is("order.paid")).front().text() == "{\"type\":\"order.paid\",\"data\":7}");
}

}  // namespace cli_bus_tests
