// A redis-server of the test's own: started in a temporary directory on a Unix socket there (and on a
// free loopback TCP port when asked), waited for with a deadline, and removed with everything it
// wrote when the object goes. redis-server is found on PATH (or $IPCXX_REDIS_SERVER) at run time.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

namespace test {

struct RedisServerOptions {
    bool tcp = false;      // also listen on a free loopback port (tcp_url)
    bool tls = false;      // also listen with TLS on a free loopback port (tls_url); the certificate
                           // lines (tls-cert-file, tls-key-file, tls-ca-cert-file) go in `config`
    // Lines of redis.conf: "requirepass secret", "user alice on >pw ~* &* +@all", "databases 4"...
    std::vector<std::string> config;
    std::chrono::milliseconds start_timeout{10000};
};

class RedisServer {
public:
    // Starts the server; throws std::runtime_error (with the server's log) when it does not answer
    // within start_timeout.
    explicit RedisServer(RedisServerOptions options = {});
    ~RedisServer();
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    std::string unix_url() const { return "unix://" + socket_path_; }
    std::string tcp_url() const;  // redis://127.0.0.1:<port>; needs options.tcp
    std::string tls_url() const;  // rediss://127.0.0.1:<port>; needs options.tls
    const std::string& socket_path() const { return socket_path_; }
    const std::string& dir() const { return dir_; }
    std::uint16_t port() const { return port_; }
    std::uint16_t tls_port() const { return tls_port_; }
    pid_t pid() const { return pid_; }
    bool running() const { return pid_ > 0; }

    // SIGTERM, then waits for the process (SIGKILL after a deadline).
    void stop();
    // SIGKILL, then waits for the process.
    void kill();
    // Starts it again on the same socket and ports (stopping it first if it runs).
    void restart();
    // Starts it after a stop() or kill(): the same as restart() for a stopped server.
    void start();

    // One command over the Unix socket, blocking, with a deadline (for a test's own checks and setup,
    // independent of the client under test): the raw reply's first line, e.g. "+OK" or ":3".
    std::string command(const std::vector<std::string>& args,
                        std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) const;

private:
    bool launch();  // false when a port was taken meanwhile (the caller picks new ports)
    void write_config() const;
    std::string log_tail() const;

    RedisServerOptions options_;
    std::string dir_;
    std::string socket_path_;
    std::uint16_t port_ = 0;
    std::uint16_t tls_port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace test
