// exec_file / exec / spawn_sync: collected output, exit codes as errors, max_buffer, timeout, input.
#include <future>

#include <catch2/catch.hpp>

#include "ipcxx/error.hpp"
#include "ipcxx/exec.hpp"
#include "support/fixtures.hpp"

using namespace std::chrono_literals;
using ipcxx::ExecOptions;
using ipcxx::ExecResult;

namespace {

// exec_file on the library's thread, waited for with a deadline.
ExecResult exec_file_within(const std::string& program, const std::vector<std::string>& args,
                            const ExecOptions& options = {}) {
    auto promise = std::make_shared<std::promise<ExecResult>>();
    auto result = promise->get_future();
    ipcxx::exec_file(program, args, options, [promise](ExecResult r) { promise->set_value(std::move(r)); });
    REQUIRE(result.wait_for(30s) == std::future_status::ready);
    return result.get();
}

}  // namespace

TEST_CASE("exec_file: output collected; exit code 0 is no error", "[process]") {
    const ExecResult r = exec_file_within("/bin/sh", {"-c", "echo out; echo err >&2"});
    CHECK_FALSE(r.error);
    CHECK(r.out == "out\n");
    CHECK(r.err == "err\n");
    CHECK(r.status.code == 0);
    CHECK(r.pid > 0);
}

TEST_CASE("exec_file: a non-zero exit is process_failed naming the code", "[process]") {
    const ExecResult r = exec_file_within("/bin/sh", {"-c", "exit 3"});
    CHECK(r.error == ipcxx::errc::process_failed);
    CHECK(r.status.code == 3);
    CHECK_THAT(r.message, Catch::Contains("3"));
}

TEST_CASE("exec_file: a missing program is spawn_failed with ENOENT", "[process]") {
    const ExecResult r = exec_file_within("/nonexistent/ipcxx-no-such-program", {});
    CHECK(r.error == ipcxx::errc::spawn_failed);
    CHECK(r.cause == std::error_code(ENOENT, std::system_category()));
    CHECK(r.pid == -1);
}

TEST_CASE("exec_file: output past max_buffer kills the child; the error names the limit", "[process]") {
    ExecOptions options;
    options.max_buffer = 1000;
    const ExecResult r = exec_file_within("/bin/sh", {"-c", "head -c 2000000 /dev/zero; sleep 30"}, options);
    CHECK(r.error == ipcxx::errc::max_buffer_exceeded);
    CHECK_THAT(r.message, Catch::Contains("stdout") && Catch::Contains("1000"));
    CHECK(r.out.size() == 1000);
    CHECK(r.status.signal == SIGTERM);
}

TEST_CASE("exec_file: timeout kills the child: process_timeout", "[process]") {
    ExecOptions options;
    options.timeout = 100ms;
    const ExecResult r = exec_file_within("sleep", {"30"}, options);
    CHECK(r.error == ipcxx::errc::process_timeout);
    CHECK(r.status.signal == SIGTERM);
}

TEST_CASE("exec: shell text through the shell", "[process]") {
    auto promise = std::make_shared<std::promise<ExecResult>>();
    auto result = promise->get_future();
    ipcxx::exec("echo $((6*7)) | tr 4 X", {}, [promise](ExecResult r) { promise->set_value(std::move(r)); });
    REQUIRE(result.wait_for(30s) == std::future_status::ready);
    CHECK(result.get().out == "X2\n");
}

TEST_CASE("spawn_sync: status, signal, stdout, stderr, input, timeout", "[process]") {
    ExecOptions options;
    options.input = "from stdin\n";
    ExecResult r = ipcxx::spawn_sync("/bin/sh", {"-c", "cat; echo err >&2; exit 4"}, options);
    CHECK(r.status.code == 4);
    CHECK_FALSE(r.status.signal);
    CHECK(r.out == "from stdin\n");
    CHECK(r.err == "err\n");
    CHECK(r.error == ipcxx::errc::process_failed);

    ExecOptions timed;
    timed.timeout = 100ms;
    timed.kill_signal = SIGKILL;
    r = ipcxx::spawn_sync("sleep", {"30"}, timed);
    CHECK(r.error == ipcxx::errc::process_timeout);
    CHECK(r.status.signal == SIGKILL);
}
