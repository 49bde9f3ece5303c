// Redis URLs (socket-free): redis://, rediss:// (TLS) and unix://, with user, password and database.
#pragma once

#include <cstdint>
#include <string>
#include <system_error>

namespace ipcxx::detail {

struct RedisUrl {
    enum class Scheme { redis, rediss, unix_socket };
    Scheme scheme = Scheme::redis;
    std::string host;          // redis, rediss: a name, an IPv4 address or an IPv6 one (no brackets)
    std::uint16_t port = 6379;
    std::string path;          // unix_socket: the socket file, absolute
    std::string user;          // empty: the default user
    std::string password;      // empty: no AUTH
    bool has_password = false; // "redis://user:@host" authenticates with an empty password
    long long database = 0;

    // "redis://127.0.0.1:6379/0", "unix:///tmp/redis.sock?db=0": without the credentials.
    std::string describe() const;
};

// `redis://[[user]:password@]host[:port][/db]`, `rediss://...` the same, `unix://[[user]:password@]/path[?db=N]`.
// User and password may be %-encoded. errc::redis_bad_url with `detail` naming the part otherwise.
std::error_code parse_redis_url(const std::string& text, RedisUrl& out, std::string& detail);

}  // namespace ipcxx::detail
