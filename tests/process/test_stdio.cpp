// ChildProcess stdio: only the asked-for descriptors reach the child, output of megabytes with
// no deadlock, stdin with a bounded queue and drain, extra slots.
#include <set>
#include <sstream>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <unistd.h>

#include "ipcxx/child_process.hpp"
#include "process/process_watch.hpp"

using namespace std::chrono_literals;
using ipcxx::ChildProcess;
using ipcxx::SpawnOptions;
using ipcxx::StdioSlot;

namespace {

std::set<std::string> words(const std::string& text) {
    std::istringstream in(text);
    std::set<std::string> out;
    for (std::string w; in >> w;) out.insert(w);
    return out;
}

}  // namespace

TEST_CASE("stdio: only the asked-for descriptors are open in the child", "[process]") {
    // Inheritable descriptors of the parent's: a plain one and an Asio acceptor (not CLOEXEC).
    const int leaked = ::fcntl(STDERR_FILENO, F_DUPFD, 50);
    REQUIRE(leaked >= 50);
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::tcp::v4(), 0});
    REQUIRE((::fcntl(acceptor.native_handle(), F_GETFD) & FD_CLOEXEC) == 0);

    ChildProcess child;
    test::ProcessWatch watch(child);
    // `ls` opens the directory it lists itself: that one is 3 (the lowest free).
    REQUIRE_FALSE(child.spawn("ls", {"/proc/self/fd"}));
    REQUIRE(watch.closed());
    ::close(leaked);
    CHECK(words(watch.out()) == std::set<std::string>{"0", "1", "2", "3"});
}

TEST_CASE("stdio: slots past 2, the caller's fd, ignore", "[process]") {
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    ChildProcess child;
    test::ProcessWatch watch(child);
    test::Log data;
    std::string fd4;
    child.on_data([&](int fd, std::string_view bytes) {
        if (fd == 4) fd4.append(bytes);
        if (fd == 4) data.add("fd4");
    });
    SpawnOptions options;
    options.stdio = {StdioSlot::ignore(), StdioSlot::pipe(), StdioSlot::from_fd(pipe_fds[1]), StdioSlot::ignore(),
                     StdioSlot::pipe()};
    REQUIRE_FALSE(child.spawn("/bin/sh", {"-c", "echo four >&4; echo two >&2; cat; ls /proc/self/fd"}, options));
    REQUIRE(watch.closed());
    ::close(pipe_fds[1]);
    char buffer[16] = {};
    CHECK(::read(pipe_fds[0], buffer, sizeof buffer) == 4);
    ::close(pipe_fds[0]);
    CHECK(std::string(buffer) == "two\n");
    CHECK(fd4 == "four\n");
    // stdin was /dev/null (cat ended at once); slot 3 closed (ls's own directory took it).
    CHECK(words(watch.out()) == std::set<std::string>{"0", "1", "2", "3", "4"});
}

TEST_CASE("stdio: megabytes of stdout and stderr at once arrive whole", "[process]") {
    ChildProcess child;
    test::ProcessWatch watch(child);
    REQUIRE_FALSE(child.spawn("/bin/sh", {"-c", "head -c 8000000 /dev/zero & head -c 3000000 /dev/zero >&2; wait"}));
    REQUIRE(watch.closed(30s));
    CHECK(watch.out().size() == 8000000);
    CHECK(watch.err().size() == 3000000);
}

TEST_CASE("stdio: stdin through cat, MBs with the bounded queue and drain", "[process]") {
    ChildProcess child;
    test::ProcessWatch watch(child);
    test::Log drains;
    child.on_drain([&] { drains.add("drain"); });
    SpawnOptions options;
    options.max_stdin_queue = 64 * 1024;
    REQUIRE_FALSE(child.spawn("cat", {}, options));
    const std::string chunk(16 * 1024, 'x');
    std::size_t sent = 0;
    std::size_t refusals = 0;
    while (sent < 4 * 1024 * 1024) {
        const std::size_t drained = drains.count("drain");
        const auto error = child.write(chunk);
        if (error == ipcxx::errc::queue_full) {
            ++refusals;
            REQUIRE(drains.wait_for_count("drain", drained + 1));
            continue;
        }
        REQUIRE_FALSE(error);
        sent += chunk.size();
    }
    child.end_stdin();
    CHECK(child.write("late") == ipcxx::errc::not_connected);
    REQUIRE(watch.closed(30s));
    CHECK(watch.out().size() == sent);
    CHECK(refusals > 0);
}

TEST_CASE("stdio: a child that never reads: write refuses with queue_full past the bound", "[process]") {
    ChildProcess child;
    test::ProcessWatch watch(child);
    SpawnOptions options;
    options.max_stdin_queue = 64 * 1024;
    REQUIRE_FALSE(child.spawn("sleep", {"30"}, options));
    const std::string chunk(16 * 1024, 'x');
    std::error_code error;
    // The socket's buffer takes some first (the writer moves chunks into it meanwhile); the queue
    // then fills. 16 MB is far past both.
    for (int i = 0; i < 1000 && !error; ++i) error = child.write(chunk);
    CHECK(error == ipcxx::errc::queue_full);
    CHECK_FALSE(child.kill(SIGKILL));
    REQUIRE(watch.closed());
}

TEST_CASE("stdio: writing to a child that closed its stdin is an error event, not SIGPIPE", "[process]") {
    ChildProcess child;
    test::ProcessWatch watch(child);
    REQUIRE_FALSE(child.spawn("/bin/sh", {"-c", "exec 0<&-; echo closed; exec sleep 30"}));
    REQUIRE(test::eventually([&] { return watch.out() == "closed\n"; }));
    REQUIRE_FALSE(child.write("lost"));
    REQUIRE(watch.log.wait_for("error"));
    CHECK(watch.error().code == ipcxx::errc::undelivered);
    CHECK_THAT(watch.error().message, Catch::Contains("EPIPE"));
    CHECK_FALSE(child.kill(SIGKILL));
    REQUIRE(watch.closed());
}
