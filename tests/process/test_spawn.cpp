// ChildProcess: spawn and its failure, exit codes and signals, timeout, events in Node's order,
// reaping (also after destroy), an application's own SIGCHLD handling left alone.
#include <csignal>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <catch2/catch.hpp>
#include <sys/wait.h>

#include "ipcxx/child_process.hpp"
#include "process/process_watch.hpp"
#include "support/watchdog.hpp"

using namespace std::chrono_literals;
using ipcxx::ChildProcess;
using ipcxx::SpawnOptions;

namespace {

std::vector<std::string> events_of(const test::ProcessWatch& watch) { return watch.log.entries(); }

}  // namespace

TEST_CASE("spawn: spawn, exit and close in Node's order, with the exit code", "[process]") {
    ChildProcess child;
    test::ProcessWatch watch(child);
    REQUIRE_FALSE(child.spawn("/bin/sh", {"-c", "echo hi; exit 3"}));
    REQUIRE(watch.closed());
    CHECK(events_of(watch) == std::vector<std::string>{"spawn", "exit", "close"});
    CHECK(watch.exit_status().code == 3);
    CHECK_FALSE(watch.exit_status().signal);
    CHECK(watch.close_status().code == 3);
    CHECK(watch.out() == "hi\n");
    CHECK(child.pid() > 0);
}

TEST_CASE("spawn: a missing program is an error event naming ENOENT, then close with -ENOENT", "[process]") {
    for (const std::string program : {"/nonexistent/ipcxx-no-such-program", "ipcxx-no-such-program"}) {
        ChildProcess child;
        test::ProcessWatch watch(child);
        REQUIRE_FALSE(child.spawn(program));
        REQUIRE(watch.closed());
        CHECK(events_of(watch) == std::vector<std::string>{"error", "close"});
        CHECK(watch.error().code == ipcxx::errc::spawn_failed);
        CHECK(watch.error().cause == std::error_code(ENOENT, std::system_category()));
        CHECK_THAT(watch.error().message, Catch::Contains("ENOENT") && Catch::Contains(program));
        CHECK(watch.close_status().code == -ENOENT);
        CHECK(child.pid() == -1);
    }
}

TEST_CASE("spawn: bad options are refused at once", "[process]") {
    ChildProcess child;
    CHECK(child.spawn("") == ipcxx::errc::invalid_argument);
    SpawnOptions options;
    options.stdio = {ipcxx::StdioSlot::from_fd(-1)};
    CHECK(child.spawn("/bin/true", {}, options) == ipcxx::errc::invalid_argument);
    test::ProcessWatch watch(child);
    REQUIRE_FALSE(child.spawn("/bin/true"));
    CHECK(child.spawn("/bin/true") == ipcxx::errc::invalid_argument);
    CHECK(watch.closed());
}

TEST_CASE("spawn: kill sends a signal through the pidfd; exit names it", "[process]") {
    ChildProcess child;
    test::ProcessWatch watch(child);
    REQUIRE_FALSE(child.spawn("sleep", {"30"}));
    REQUIRE(watch.log.wait_for("spawn"));
    CHECK_FALSE(child.kill(SIGTERM));
    REQUIRE(watch.closed());
    CHECK(watch.exit_status().signal == SIGTERM);
    CHECK_FALSE(watch.exit_status().code);
    CHECK(ipcxx::signal_name(*watch.exit_status().signal) == "SIGTERM");
    CHECK(child.kill(SIGTERM) == ipcxx::errc::process_exited);
}

TEST_CASE("spawn: timeout kills with kill_signal", "[process]") {
    ChildProcess child;
    test::ProcessWatch watch(child);
    SpawnOptions options;
    options.timeout = 100ms;
    options.kill_signal = SIGINT;
    REQUIRE_FALSE(child.spawn("sleep", {"30"}, options));
    REQUIRE(watch.closed());
    CHECK(watch.exit_status().signal == SIGINT);
    CHECK(watch.exit_status().timed_out);
}

TEST_CASE("spawn: a child still running when its object is destroyed is killed and reaped", "[process]") {
    pid_t pid = -1;
    {
        ChildProcess child;
        test::ProcessWatch watch(child);
        REQUIRE_FALSE(child.spawn("sleep", {"30"}));
        REQUIRE(watch.log.wait_for("spawn"));
        pid = child.pid();
    }
    // A zombie keeps /proc/<pid>: gone means reaped.
    CHECK(test::eventually([&] { return !test::proc_exists(pid); }));
}

TEST_CASE("spawn: with on_destroy = detach the child keeps running and is reaped when it exits", "[process]") {
    pid_t pid = -1;
    {
        ChildProcess child;
        SpawnOptions options;
        options.on_destroy = ipcxx::OnDestroy::detach;
        options.stdio = {ipcxx::StdioSlot::ignore(), ipcxx::StdioSlot::ignore(), ipcxx::StdioSlot::ignore()};
        test::ProcessWatch watch(child);
        REQUIRE_FALSE(child.spawn("sleep", {"30"}, options));
        REQUIRE(watch.log.wait_for("spawn"));
        pid = child.pid();
    }
    const char state = test::proc_state(pid);
    CHECK(state != 0);
    CHECK(state != 'Z');
    REQUIRE(::kill(pid, SIGKILL) == 0);
    CHECK(test::eventually([&] { return !test::proc_exists(pid); }));
}

TEST_CASE("spawn: no handler runs once the destructor returned; destroying from a handler is safe", "[process]") {
    auto child = std::make_unique<ChildProcess>();
    test::Log log;
    // Reset before logging: the test goes on (and ends) as soon as "exit" is logged.
    child->on_exit([&](ipcxx::ExitStatus) {
        child.reset();
        log.add("exit");
    });
    child->on_close([&](ipcxx::ExitStatus) { log.add("close"); });
    REQUIRE_FALSE(child->spawn("/bin/true"));
    REQUIRE(log.wait_for("exit"));
    CHECK(test::eventually([&] { return log.entries().size() == 1; }));
    CHECK(log.count("close") == 0);
}

TEST_CASE("spawn: 200 short-lived children are all reaped; none left for waitpid", "[process]") {
    constexpr int count = 200;
    test::Log log;
    std::vector<std::unique_ptr<ChildProcess>> children;
    for (int i = 0; i < count; ++i) {
        children.push_back(std::make_unique<ChildProcess>());
        children.back()->on_close([&](ipcxx::ExitStatus s) { log.add(s.code == 0 ? "ok" : "bad"); });
        SpawnOptions options;
        options.stdio = {ipcxx::StdioSlot::ignore(), ipcxx::StdioSlot::pipe(), ipcxx::StdioSlot::ignore()};
        REQUIRE_FALSE(children.back()->spawn("/bin/true", {}, options));
    }
    REQUIRE(log.wait_for_count("ok", count, 60s));
    CHECK(log.count("bad") == 0);
    errno = 0;
    CHECK(::waitpid(-1, nullptr, WNOHANG) == -1);
    CHECK(errno == ECHILD);
}

TEST_CASE("spawn: an application's own SIGCHLD handling keeps working beside the pidfd", "[process]") {
    asio::io_context io;
    asio::signal_set sigchld(io, SIGCHLD);
    bool seen = false;
    sigchld.async_wait([&](std::error_code ec, int) { seen = !ec; });
    ChildProcess child(io);
    test::ProcessWatch watch(child);
    REQUIRE_FALSE(child.spawn("/bin/sh", {"-c", "exit 5"}));
    // Everything ends: io.run() returns once the child is reaped and closed.
    while (!watch.log.wait_for("close", 0ms) || !seen) {
        REQUIRE(io.run_one_for(10s) > 0);
    }
    CHECK(watch.close_status().code == 5);
    CHECK(seen);
}

TEST_CASE("spawn: on the caller's io_context, run() returns once the child is closed", "[process]") {
    asio::io_context io;
    ChildProcess child(io);
    test::ProcessWatch watch(child);
    REQUIRE_FALSE(child.spawn("/bin/sh", {"-c", "echo out; echo err >&2"}));
    test::returns_within(10s, "io.run()", [&] { io.run(); });
    CHECK(events_of(watch) == std::vector<std::string>{"spawn", "exit", "close"});
    CHECK(watch.out() == "out\n");
    CHECK(watch.err() == "err\n");
}

TEST_CASE("spawn: with SIGCHLD ignored the kernel reaps; the status is reported unknown, not made up", "[process]") {
    struct sigaction ignore {};
    struct sigaction before {};
    ignore.sa_handler = SIG_IGN;
    REQUIRE(::sigaction(SIGCHLD, &ignore, &before) == 0);
    ChildProcess child;
    test::ProcessWatch watch(child);
    REQUIRE_FALSE(child.spawn("/bin/sh", {"-c", "exit 3"}));
    const bool closed = watch.closed();
    ::sigaction(SIGCHLD, &before, nullptr);
    REQUIRE(closed);
    CHECK(events_of(watch) == std::vector<std::string>{"spawn", "error", "exit", "close"});
    CHECK(watch.error().code == ipcxx::errc::exit_status_unknown);
    CHECK_FALSE(watch.close_status().code);
    CHECK_FALSE(watch.close_status().signal);
}
