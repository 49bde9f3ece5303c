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
    // A connection is ready once the server has answered: a listener that is going away (a killed
    // server's backlog) would otherwise take the queued commands and lose them.
    if (commands.empty()) commands.push_back({"PING"});
    return commands;
}

std::error_code check_handshake_reply(const std::vector<std::string>& command, const RedisReply& reply,
                                      std::string& detail) {
    // Any answer to PING shows a live server (NOAUTH included: the commands will say so themselves).
    if (reply.kind != RedisReply::Kind::error || command.front() == "PING") return {};
    if (command.front() == "AUTH") {
        detail = "AUTH refused: " + reply.text;
        return make_error_code(errc::redis_auth_failed);
    }
    detail = command.front() + " " + command.back() + " refused: " + reply.text;
    return make_error_code(errc::redis_bad_url);
}

}  // namespace ipcxx::detail
