// A program in a child process, driven by command lines on its stdin and printing one JSON object a
// line on its stdout (node-ipc peers in the interop tests, ipcxx peers in network namespaces).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <sys/types.h>

#include "ipcxx/payload.hpp"

namespace test {

using namespace std::chrono_literals;

// One JSON line printed by a child, e.g. {"ev":"message","type":"ping","data":1,"sock":2}.
class PeerLine {
public:
    explicit PeerLine(std::string text);

    const std::string& text() const { return text_; }
    std::string ev() const { return str("ev"); }
    bool is(std::string_view ev) const;
    bool is_message(std::string_view type) const;

    const msgpack::object* field(std::string_view key) const;  // nullptr when absent or not an object
    std::string str(std::string_view key) const;                // "" unless a string field
    std::int64_t num(std::string_view key, std::int64_t fallback = -1) const;

private:
    std::string text_;
    ipcxx::Payload parsed_;  // empty when the line is not JSON
};

using LinePredicate = std::function<bool(const PeerLine&)>;

inline LinePredicate ev_is(std::string ev) {
    return [ev = std::move(ev)](const PeerLine& l) { return l.is(ev); };
}
inline LinePredicate message_is(std::string type) {
    return [type = std::move(type)](const PeerLine& l) { return l.is_message(type); };
}
class ChildProcess {
public:
    // Runs argv[0] (a path) with argv. `env` holds NAME=value entries that override the inherited
    // environment.
    explicit ChildProcess(std::vector<std::string> argv, std::vector<std::string> env = {});
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    // Writes one command line (the newline is added). False once the peer is gone.
    bool send(const std::string& line);

    // The first matching line not taken by an earlier wait_line, which it takes. Taking lines
    // makes repeated events countable: two waits for "connect" need two connect lines.
    std::optional<PeerLine> wait_line(const LinePredicate& pred, std::chrono::milliseconds timeout = 10s);
    // Waits until `n` lines (taken or not) match; returns how many matched.
    std::size_t wait_count(const LinePredicate& pred, std::size_t n, std::chrono::milliseconds timeout = 10s);
    std::size_t count(const LinePredicate& pred) const;
    std::vector<PeerLine> lines(const LinePredicate& pred) const;

    void close_stdin();  // EOF for the child; idempotent
    void kill();  // SIGKILL and reap; idempotent
    pid_t pid() const;  // -1 once reaped
    // The command line, the last lines and stderr, for failure messages.
    std::string describe() const;

private:
    void read_loop();

    std::vector<std::string> argv_;
    pid_t pid_ = -1;
    int stdin_fd_ = -1;
    int stdout_fd_ = -1;
    int stderr_fd_ = -1;
    std::thread reader_;

    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<PeerLine> lines_;
    std::vector<bool> taken_;
    std::string stderr_;
    bool eof_ = false;
};

}  // namespace test
