#include "redis/redis_handshake.hpp"

#include "ipcxx/error.hpp"

namespace ipcxx::detail {

std::vector<std::vector<std::string>> redis_handshake_commands(const RedisUrl& url) {
    std::vector<std::vector<std::string>> commands;
    if (url.has_password) {
        if (url.user.empty()) {
            commands.push_back({"AUTH", url.password});
        } else {
            commands.push_back({"AUTH", url.user, url.password});
        }
    }
    if (url.database != 0) commands.push_back({"SELECT", std::to_string(url.database)});
    return commands;
}

std::error_code check_handshake_reply(const std::vector<std::string>& command, const RedisReply& reply,
                                      std::string& detail) {
    if (reply.kind != RedisReply::Kind::error) return {};
    if (command.front() == "AUTH") {
        detail = "AUTH refused: " + reply.text;
        return make_error_code(errc::redis_auth_failed);
    }
    detail = command.front() + " " + command.back() + " refused: " + reply.text;
    return make_error_code(errc::redis_bad_url);
}

}  // namespace ipcxx::detail
