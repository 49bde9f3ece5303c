// ChildProcess options: environment modes, cwd, argv0, shell and the argument vector that never
// meets one, detached sessions and group kill, uid / gid.
#include <cstdlib>

#include <catch2/catch.hpp>
#include <unistd.h>

#include "ipcxx/child_process.hpp"
#include "process/process_watch.hpp"

using namespace std::chrono_literals;
using ipcxx::ChildProcess;
using ipcxx::SpawnOptions;

namespace {

// Runs `program` to its close and returns its stdout (FAILs on no close in time).
std::string output_of(const std::string& program, const std::vector<std::string>& args, const SpawnOptions& options,
                      ipcxx::ExitStatus* status = nullptr) {
    ChildProcess child;
    test::ProcessWatch watch(child);
    REQUIRE_FALSE(child.spawn(program, args, options));
    REQUIRE(watch.closed());
    if (status != nullptr) *status = watch.close_status();
    return watch.out();
}

}  // namespace

TEST_CASE("options: env replaced holds only what was given", "[process]") {
    SpawnOptions options;
    options.env_mode = ipcxx::EnvMode::replace;
    options.env = {{"ONLY", "this"}};
    CHECK(output_of("/usr/bin/env", {}, options) == "ONLY=this\n");
}

TEST_CASE("options: env inherited plus changes: added, replaced, unset", "[process]") {
    ::setenv("IPCXX_TEST_KEPT", "kept", 1);
    ::setenv("IPCXX_TEST_REPLACED", "old", 1);
    ::setenv("IPCXX_TEST_GONE", "gone", 1);
    SpawnOptions options;
    options.env = {{"IPCXX_TEST_ADDED", "added"}, {"IPCXX_TEST_REPLACED", "new"}};
    options.unset_env = {"IPCXX_TEST_GONE"};
    const std::string out = output_of("/usr/bin/env", {}, options);
    CHECK_THAT(out, Catch::Contains("IPCXX_TEST_KEPT=kept\n") && Catch::Contains("IPCXX_TEST_ADDED=added\n") &&
                        Catch::Contains("IPCXX_TEST_REPLACED=new\n"));
    CHECK_THAT(out, !Catch::Contains("IPCXX_TEST_GONE") && !Catch::Contains("IPCXX_TEST_REPLACED=old"));
}

TEST_CASE("options: cwd; a missing cwd is a spawn error naming ENOENT", "[process]") {
    test::TempDir dir;
    char* real = ::realpath(dir.path().c_str(), nullptr);
    const std::string expected = std::string(real) + "\n";
    std::free(real);
    SpawnOptions options;
    options.cwd = dir.path();
    CHECK(output_of("/bin/pwd", {}, options) == expected);

    options.cwd = dir.path() + "/missing";
    ChildProcess child;
    test::ProcessWatch watch(child);
    REQUIRE_FALSE(child.spawn("/bin/pwd", {}, options));
    REQUIRE(watch.closed());
    CHECK(watch.error().code == ipcxx::errc::spawn_failed);
    CHECK(watch.error().cause == std::error_code(ENOENT, std::system_category()));
}

TEST_CASE("options: argv0 is what the child sees as its name", "[process]") {
    SpawnOptions options;
    options.argv0 = "custom-name";
    CHECK(output_of("/bin/sh", {"-c", "echo $0"}, options) == "custom-name\n");
}

TEST_CASE("options: shell runs shell text; the argument vector never meets a shell", "[process]") {
    SpawnOptions shell;
    shell.shell = true;
    CHECK(output_of("echo", {"$((1+2))"}, shell) == "3\n");
    const std::string hostile = "x; echo injected $((1+2))";
    CHECK(output_of("echo", {hostile}, SpawnOptions{}) == hostile + "\n");
}

TEST_CASE("options: detached leads its own session; kill_group reaches its descendants", "[process]") {
    ChildProcess child;
    test::ProcessWatch watch(child);
    SpawnOptions options;
    options.detached = true;
    options.stdio = {ipcxx::StdioSlot::ignore(), ipcxx::StdioSlot::pipe(), ipcxx::StdioSlot::ignore()};
    // The grandchild's stdout is not our pipe, so close waits only for the child.
    REQUIRE_FALSE(child.spawn("/bin/sh", {"-c", "sleep 30 >/dev/null & echo $!; wait"}, options));
    REQUIRE(test::eventually([&] { return watch.out().find('\n') != std::string::npos; }));
    const pid_t grandchild = std::stoi(watch.out());
    CHECK(::getsid(child.pid()) == child.pid());
    CHECK(::getpgid(child.pid()) == child.pid());
    CHECK(::getpgid(grandchild) == child.pid());
    CHECK_FALSE(child.kill_group(SIGTERM));
    REQUIRE(watch.closed());
    CHECK(watch.exit_status().signal == SIGTERM);
    // Reparented, the grandchild is gone or a zombie of whoever adopted it: not running.
    CHECK(test::eventually([&] {
        const char state = test::proc_state(grandchild);
        return state == 0 || state == 'Z';
    }));
}

TEST_CASE("options: kill_group without detached is refused (it would signal our own group)", "[process]") {
    ChildProcess child;
    test::ProcessWatch watch(child);
    REQUIRE_FALSE(child.spawn("sleep", {"30"}));
    CHECK(child.kill_group(SIGTERM) == ipcxx::errc::invalid_argument);
    CHECK_FALSE(child.kill(SIGKILL));
    CHECK(watch.closed());
}

TEST_CASE("options: uid and gid (fork path)", "[process]") {
    if (::geteuid() != 0) {
        WARN("not root: uid/gid cannot be changed, skipped");
        return;
    }
    SpawnOptions options;
    options.uid = 65534;
    options.gid = 65534;
    CHECK(output_of("/bin/sh", {"-c", "id -u; id -g; id -G"}, options) == "65534\n65534\n65534\n");
    // The fork path reports exec failures as posix_spawn does.
    ChildProcess child;
    test::ProcessWatch watch(child);
    REQUIRE_FALSE(child.spawn("/nonexistent/ipcxx-no-such-program", {}, options));
    REQUIRE(watch.closed());
    CHECK(watch.error().cause == std::error_code(ENOENT, std::system_category()));
}
