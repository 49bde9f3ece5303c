#include "support/child_process.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace test {
namespace {

const msgpack::object* map_get(const msgpack::object& obj, std::string_view key) {
    if (obj.type != msgpack::type::MAP) return nullptr;
    for (std::uint32_t i = 0; i < obj.via.map.size; ++i) {
        const auto& kv = obj.via.map.ptr[i];
        if (kv.key.type == msgpack::type::STR && std::string_view(kv.key.via.str.ptr, kv.key.via.str.size) == key) {
            return &kv.val;
        }
    }
    return nullptr;
}

// A child that died must not take the test binary with it when we write to its stdin.
void ignore_sigpipe() {
    static const bool done = [] {
        std::signal(SIGPIPE, SIG_IGN);
        return true;
    }();
    (void)done;
}

}  // namespace

PeerLine::PeerLine(std::string text) : text_(std::move(text)) {
    try {
        parsed_ = ipcxx::Payload::from_json(text_);
    } catch (const ipcxx::Error&) {
        // Not JSON (a child's bug): only text() and describe() show it.
    }
}

bool PeerLine::is(std::string_view ev) const { return str("ev") == ev; }

bool PeerLine::is_message(std::string_view type) const {
    return is("message") && field("type") && str("type") == type;
}

const msgpack::object* PeerLine::field(std::string_view key) const {
    if (parsed_.empty()) return nullptr;
    return map_get(parsed_.object(), key);
}

std::string PeerLine::str(std::string_view key) const {
    const auto* f = field(key);
    return f && f->type == msgpack::type::STR ? std::string(f->via.str.ptr, f->via.str.size) : std::string();
}

std::int64_t PeerLine::num(std::string_view key, std::int64_t fallback) const {
    const auto* f = field(key);
    if (!f) return fallback;
    if (f->type == msgpack::type::POSITIVE_INTEGER) return static_cast<std::int64_t>(f->via.u64);
    if (f->type == msgpack::type::NEGATIVE_INTEGER) return f->via.i64;
    return fallback;
}

ChildProcess::ChildProcess(std::vector<std::string> argv, std::vector<std::string> env) : argv_(std::move(argv)) {
    ignore_sigpipe();
    int in[2], out[2], err[2];
    // O_CLOEXEC: no other child may hold our ends, or closing stdin would not end this peer.
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
        throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    // Nothing else: ipcxx's sockets are not close-on-exec, and a child holding a copy of a
    // listening socket would keep its port bound after ipcxx closed it.
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);

    std::vector<std::string> argv_strings = argv_;
    std::vector<char*> args;
    for (auto& a : argv_strings) args.push_back(a.data());
    args.push_back(nullptr);

    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) {
        const std::string entry = *e;
        const auto name = entry.substr(0, entry.find('=') + 1);
        const bool overridden = std::any_of(env.begin(), env.end(), [&](const std::string& o) {
            return o.compare(0, name.size(), name) == 0;
        });
        if (!overridden) env_strings.push_back(entry);
    }
    env_strings.insert(env_strings.end(), env.begin(), env.end());
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);

    const int rc = ::posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    stdin_fd_ = in[1];
    stdout_fd_ = out[0];
    stderr_fd_ = err[0];
    if (rc != 0) {
        pid_ = -1;
        ::close(stdin_fd_);
        ::close(stdout_fd_);
        ::close(stderr_fd_);
        throw std::runtime_error("posix_spawn " + argv_.at(0) + ": " + std::strerror(rc));
    }
    reader_ = std::thread([this] { read_loop(); });
}

ChildProcess::~ChildProcess() {
    ::close(stdin_fd_);
    kill();
    reader_.join();
    ::close(stdout_fd_);
    ::close(stderr_fd_);
}

void ChildProcess::close_stdin() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stdin_fd_ >= 0) ::close(stdin_fd_);
    stdin_fd_ = -1;
}

pid_t ChildProcess::pid() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return pid_;
}

void ChildProcess::kill() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (pid_ < 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
}

bool ChildProcess::send(const std::string& line) {
    std::string data = line + "\n";
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(stdin_fd_, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

void ChildProcess::read_loop() {
    std::string partial;
    pollfd fds[2] = {{stdout_fd_, POLLIN, 0}, {stderr_fd_, POLLIN, 0}};
    int open = 2;
    char buf[65536];
    while (open > 0) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (auto& p : fds) {
            if (p.fd < 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
            const ssize_t n = ::read(p.fd, buf, sizeof(buf));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                p.fd = -1;  // poll ignores negative descriptors
                --open;
                continue;
            }
            if (p.fd == stderr_fd_) {
                std::lock_guard<std::mutex> lock(mutex_);
                stderr_.append(buf, static_cast<std::size_t>(n));
                continue;
            }
            partial.append(buf, static_cast<std::size_t>(n));
            std::vector<PeerLine> complete;
            std::size_t start = 0;
            for (std::size_t nl; (nl = partial.find('\n', start)) != std::string::npos; start = nl + 1) {
                complete.emplace_back(partial.substr(start, nl - start));
            }
            partial.erase(0, start);
            if (complete.empty()) continue;
            {
                std::lock_guard<std::mutex> lock(mutex_);
                for (auto& l : complete) {
                    lines_.push_back(std::move(l));
                    taken_.push_back(false);
                }
            }
            cv_.notify_all();
        }
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        eof_ = true;
    }
    cv_.notify_all();
}

std::optional<PeerLine> ChildProcess::wait_line(const LinePredicate& pred, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock<std::mutex> lock(mutex_);
    std::size_t scanned = 0;  // lines before this did not match (predicates are pure)
    for (;;) {
        for (; scanned < lines_.size(); ++scanned) {
            if (!taken_[scanned] && pred(lines_[scanned])) {
                taken_[scanned] = true;
                return lines_[scanned];
            }
        }
        if (eof_) return std::nullopt;
        if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && scanned == lines_.size()) {
            return std::nullopt;
        }
    }
}

std::size_t ChildProcess::wait_count(const LinePredicate& pred, std::size_t n, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock<std::mutex> lock(mutex_);
    std::size_t scanned = 0, matched = 0;
    for (;;) {
        for (; scanned < lines_.size(); ++scanned) matched += pred(lines_[scanned]) ? 1 : 0;
        if (matched >= n || eof_) return matched;
        if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && scanned == lines_.size()) return matched;
    }
}

std::size_t ChildProcess::count(const LinePredicate& pred) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return static_cast<std::size_t>(std::count_if(lines_.begin(), lines_.end(), pred));
}

std::vector<PeerLine> ChildProcess::lines(const LinePredicate& pred) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<PeerLine> out;
    std::copy_if(lines_.begin(), lines_.end(), std::back_inserter(out), pred);
    return out;
}

std::string ChildProcess::describe() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string out;
    for (const auto& a : argv_) out += (out.empty() ? "" : " ") + a;
    out += "\n  last lines:";
    const std::size_t first = lines_.size() > 12 ? lines_.size() - 12 : 0;
    for (std::size_t i = first; i < lines_.size(); ++i) {
        out += "\n    " + lines_[i].text().substr(0, 300);
    }
    if (!stderr_.empty()) out += "\n  stderr: " + stderr_.substr(stderr_.size() > 2000 ? stderr_.size() - 2000 : 0);
    return out;
}

}  // namespace test
