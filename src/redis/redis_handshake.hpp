// What a new connection sends before it is ready (AUTH, SELECT) and how their replies are judged
// (socket-free).
#pragma once

#include <string>
#include <system_error>
#include <vector>

#include "ipcxx/redis.hpp"
#include "redis/redis_url.hpp"

namespace ipcxx::detail {

std::vector<std::vector<std::string>> redis_handshake_commands(const RedisUrl& url);

// The reply to handshake command `command`: errc::redis_auth_failed for a refused AUTH,
// errc::redis_bad_url for a database the server does not have, with the server's text in `detail`.
std::error_code check_handshake_reply(const std::vector<std::string>& command, const RedisReply& reply,
                                      std::string& detail);

}  // namespace ipcxx::detail
