#include "redis/redis_url.hpp"

#include <string_view>

#include "ipcxx/error.hpp"

namespace ipcxx::detail {
namespace redis_url_parts {

std::error_code bad(std::string& detail, std::string why) {
    detail = std::move(why);
    return make_error_code(errc::redis_bad_url);
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool percent_decode(std::string_view text, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 2 >= text.size()) return false;
        const int high = hex_value(text[i + 1]);
        const int low = hex_value(text[i + 2]);
        if (high < 0 || low < 0) return false;
        out += static_cast<char>(high * 16 + low);
        i += 2;
    }
    return true;
}

// Decimal digits only, at most `max`.
bool parse_number(std::string_view text, long long max, long long& out) {
    if (text.empty() || text.size() > 18) return false;
    long long value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') return false;
        value = value * 10 + (c - '0');
    }
    if (value > max) return false;
    out = value;
    return true;
}

std::error_code parse_credentials(std::string_view userinfo, RedisUrl& out, std::string& detail) {
    const auto colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
        return bad(detail, "the credentials before '@' need a ':' (user:password, or :password alone)");
    }
    if (!percent_decode(userinfo.substr(0, colon), out.user) ||
        !percent_decode(userinfo.substr(colon + 1), out.password)) {
        return bad(detail, "a '%' in the user or password is not followed by two hex digits");
    }
    out.has_password = true;
    return {};
}

std::error_code parse_database(std::string_view text, RedisUrl& out, std::string& detail) {
    if (!parse_number(text, 1LL << 31, out.database)) {
        return bad(detail, "database '" + std::string(text) + "' is not a non-negative number");
    }
    return {};
}

std::error_code parse_host_port(std::string_view rest, RedisUrl& out, std::string& detail) {
    const auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    if (slash != std::string_view::npos) {
        const std::string_view database = rest.substr(slash + 1);
        if (!database.empty()) {
            if (auto ec = parse_database(database, out, detail)) return ec;
        }
    }
    std::string_view port;
    if (!authority.empty() && authority[0] == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return bad(detail, "an IPv6 host without its closing ']'");
        out.host = std::string(authority.substr(1, close - 1));
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':') return bad(detail, "'" + std::string(after) + "' after the IPv6 host");
            port = after.substr(1);
            if (port.empty()) return bad(detail, "an empty port after ':'");
        }
    } else {
        const auto colon = authority.find(':');
        out.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port = authority.substr(colon + 1);
            if (port.empty()) return bad(detail, "an empty port after ':'");
        }
    }
    if (out.host.empty()) return bad(detail, "no host");
    if (!port.empty()) {
        long long value = 0;
        if (!parse_number(port, 65535, value) || value == 0) {
            return bad(detail, "port '" + std::string(port) + "' is not a number from 1 to 65535");
        }
        out.port = static_cast<std::uint16_t>(value);
    }
    return {};
}

std::error_code parse_unix(std::string_view rest, RedisUrl& out, std::string& detail) {
    const auto question = rest.find('?');
    out.path = std::string(rest.substr(0, question));
    if (out.path.empty() || out.path[0] != '/') return bad(detail, "the socket path must be absolute (unix:///path)");
    if (question == std::string_view::npos) return {};
    const std::string_view query = rest.substr(question + 1);
    if (query.rfind("db=", 0) != 0) return bad(detail, "the only query parameter is db=N, not '" + std::string(query) + "'");
    return parse_database(query.substr(3), out, detail);
}

}  // namespace redis_url_parts

std::string RedisUrl::describe() const {
    switch (scheme) {
        case Scheme::unix_socket: return "unix://" + path + "?db=" + std::to_string(database);
        case Scheme::redis:
        case Scheme::rediss: {
            const std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
            return std::string(scheme == Scheme::redis ? "redis://" : "rediss://") + shown + ":" +
                   std::to_string(port) + "/" + std::to_string(database);
        }
    }
    return {};
}

std::error_code parse_redis_url(const std::string& text, RedisUrl& out, std::string& detail) {
    out = RedisUrl{};
    const auto separator = text.find("://");
    if (separator == std::string::npos) return redis_url_parts::bad(detail, "'" + text + "' has no scheme (redis://, rediss://, unix://)");
    const std::string scheme = text.substr(0, separator);
    if (scheme == "redis") {
        out.scheme = RedisUrl::Scheme::redis;
    } else if (scheme == "rediss") {
        out.scheme = RedisUrl::Scheme::rediss;
    } else if (scheme == "unix") {
        out.scheme = RedisUrl::Scheme::unix_socket;
    } else {
        return redis_url_parts::bad(detail, "scheme '" + scheme + "' is not redis, rediss or unix");
    }
    std::string_view rest(text);
    rest.remove_prefix(separator + 3);
    // The credentials end at the last '@' before the path: a password may hold '@' unencoded.
    const auto path_start = out.scheme == RedisUrl::Scheme::unix_socket ? rest.find("@/") : rest.find('/');
    const auto at = out.scheme == RedisUrl::Scheme::unix_socket
                        ? path_start
                        : rest.substr(0, path_start).rfind('@');
    if (at != std::string_view::npos) {
        if (auto ec = redis_url_parts::parse_credentials(rest.substr(0, at), out, detail)) return ec;
        rest.remove_prefix(at + 1);
    }
    return out.scheme == RedisUrl::Scheme::unix_socket ? redis_url_parts::parse_unix(rest, out, detail)
                                                       : redis_url_parts::parse_host_port(rest, out, detail);
}

}  // namespace ipcxx::detail
