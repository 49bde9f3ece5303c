#include "support/redis_server.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace test {
namespace redis_server_fixture {

using Clock = std::chrono::steady_clock;

std::string find_redis_server() {
    if (const char* own = std::getenv("IPCXX_REDIS_SERVER"); own && *own) return own;
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        const std::string candidate = dir + "/redis-server";
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    throw std::runtime_error("redis-server not found on PATH (install the redis-server package, or set "
                             "IPCXX_REDIS_SERVER): the redis tests need it");
}

// A loopback port nobody listens on at this moment (the kernel's choice for port 0).
std::uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        const std::string why = std::strerror(errno);
        ::close(fd);
        throw std::runtime_error("finding a free port: " + why);
    }
    ::close(fd);
    return ntohs(address.sin_port);
}

std::string encode(const std::vector<std::string>& args) {
    std::string out = "*" + std::to_string(args.size()) + "\r\n";
    for (const auto& arg : args) out += "$" + std::to_string(arg.size()) + "\r\n" + arg + "\r\n";
    return out;
}

// Connects to the Unix socket, sends `request` and returns the first reply line (without CRLF);
// empty when nothing came before the deadline or the connection failed.
std::string exchange(const std::string& socket_path, const std::string& request, std::size_t replies,
                     Clock::time_point deadline) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return {};
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
    std::string received;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
        // Every reply the helper waits for is one line (status, error, integer) or a bulk reply
        // whose first line is all it keeps: count lines, skipping the earlier replies.
        std::size_t lines = 0;
        while (lines < replies && Clock::now() < deadline) {
            pollfd p{fd, POLLIN, 0};
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            if (::poll(&p, 1, static_cast<int>(std::max<long long>(1, left.count()))) <= 0) continue;
            char buffer[4096];
            const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
            if (n <= 0) break;
            received.append(buffer, static_cast<std::size_t>(n));
            lines = 0;
            for (std::size_t at = received.find("\r\n"); at != std::string::npos; at = received.find("\r\n", at + 2)) ++lines;
        }
        if (lines < replies) received.clear();
    }
    ::close(fd);
    std::size_t start = 0;
    for (std::size_t skip = 1; skip < replies && start != std::string::npos; ++skip) {
        start = received.find("\r\n", start);
        if (start != std::string::npos) start += 2;
    }
    if (start == std::string::npos) return {};
    const auto end = received.find("\r\n", start);
    return end == std::string::npos ? std::string() : received.substr(start, end - start);
}

std::string password_of(const std::vector<std::string>& config) {
    for (const auto& line : config) {
        if (line.rfind("requirepass ", 0) == 0) return line.substr(12);
    }
    return {};
}

}  // namespace redis_server_fixture

using namespace redis_server_fixture;

RedisServer::RedisServer(RedisServerOptions options) : options_(std::move(options)) {
    char pattern[] = "/tmp/ipcxx-redis-XXXXXX";
    if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp: " + std::string(std::strerror(errno)));
    dir_ = pattern;
    socket_path_ = dir_ + "/redis.sock";
    // A port found free can be taken before the server binds it: pick new ones then.
    for (int attempt = 0; attempt < 5; ++attempt) {
        if (options_.tcp) port_ = free_port();
        if (options_.tls) tls_port_ = free_port();
        if (launch()) return;
    }
    const std::string tail = log_tail();
    std::filesystem::remove_all(dir_);
    throw std::runtime_error("redis-server did not start on a free port: " + tail);
}

RedisServer::~RedisServer() {
    if (running()) kill();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

std::string RedisServer::tcp_url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
std::string RedisServer::tls_url() const { return "rediss://127.0.0.1:" + std::to_string(tls_port_); }

void RedisServer::write_config() const {
    std::ofstream conf(dir_ + "/redis.conf", std::ios::trunc);
    conf << "port " << port_ << "\n"
         << "bind 127.0.0.1\n"
         << "unixsocket " << socket_path_ << "\n"
         << "unixsocketperm 700\n"
         << "save \"\"\n"
         << "appendonly no\n"
         << "dir " << dir_ << "\n"
         << "logfile " << dir_ << "/redis.log\n"
         << "daemonize no\n";
    if (options_.tls) conf << "tls-port " << tls_port_ << "\n";
    for (const auto& line : options_.config) conf << line << "\n";
}

std::string RedisServer::log_tail() const {
    std::ifstream log(dir_ + "/redis.log");
    std::stringstream all;
    all << log.rdbuf();
    const std::string text = all.str();
    return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

bool RedisServer::launch() {
    write_config();
    const std::string program = find_redis_server();
    const std::string conf = dir_ + "/redis.conf";
    std::vector<char*> argv{const_cast<char*>(program.c_str()), const_cast<char*>(conf.c_str()), nullptr};
    pid_t pid = -1;
    if (const int rc = ::posix_spawn(&pid, program.c_str(), nullptr, nullptr, argv.data(), environ); rc != 0) {
        throw std::runtime_error("starting " + program + ": " + std::strerror(rc));
    }
    pid_ = pid;
    const auto deadline = Clock::now() + options_.start_timeout;
    while (Clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            if (log_tail().find("Address already in use") != std::string::npos) return false;
            throw std::runtime_error("redis-server exited at start: " + log_tail());
        }
        // Any reply (+PONG, or -NOAUTH with requirepass) means it serves.
        const std::string reply = exchange(socket_path_, encode({"PING"}), 1, Clock::now() + std::chrono::milliseconds(200));
        if (!reply.empty()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // the socket is not there yet: poll again
    }
    kill();
    throw std::runtime_error("redis-server did not answer PING in time: " + log_tail());
}

void RedisServer::start() {
    if (!running() && !launch()) throw std::runtime_error("redis-server: its port was taken: " + log_tail());
}

void RedisServer::stop() {
    if (!running()) return;
    ::kill(pid_, SIGTERM);
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));  // bounded by the deadline above
    }
    kill();
}

void RedisServer::kill() {
    if (!running()) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
}

void RedisServer::restart() {
    stop();
    std::error_code ignored;
    std::filesystem::remove(socket_path_, ignored);
    start();
}

std::string RedisServer::command(const std::vector<std::string>& args, std::chrono::milliseconds timeout) const {
    const std::string password = password_of(options_.config);
    std::string request = password.empty() ? std::string() : encode({"AUTH", password});
    request += encode(args);
    return exchange(socket_path_, request, password.empty() ? 1 : 2, Clock::now() + timeout);
}

}  // namespace test
