#include "redis/cluster_slots.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace ipcxx::detail {
namespace cluster_slots_parts {

std::string upper(std::string_view word) {
    std::string out(word);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

// Commands whose arguments hold no key at all: any node answers them.
bool keyless(const std::string& name) {
    static const char* const names[] = {"PING",     "TIME",   "INFO",    "SCRIPT",  "CLUSTER", "ASKING",
                                        "READONLY", "AUTH",   "SELECT",  "ECHO",    "PUBLISH", "CLIENT",
                                        "CONFIG",   "DBSIZE", "COMMAND", "HELLO",   "WAIT",    "MULTI",
                                        "EXEC",     "DISCARD", "FLUSHALL", "FLUSHDB", "LASTSAVE", "PUBSUB",
                                        "FUNCTION", "RANDOMKEY", "SCAN", "KEYS", "MEMORY", "SLOWLOG"};
    return std::any_of(std::begin(names), std::end(names), [&](const char* n) { return name == n; });
}

}  // namespace cluster_slots_parts

std::uint16_t cluster_crc16(std::string_view bytes) noexcept {
    std::uint16_t crc = 0;
    for (const char byte : bytes) {
        crc ^= static_cast<std::uint16_t>(static_cast<unsigned char>(byte) << 8);
        for (int bit = 0; bit < 8; ++bit) {
            crc = (crc & 0x8000) ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021) : static_cast<std::uint16_t>(crc << 1);
        }
    }
    return crc;
}

std::uint16_t cluster_key_slot(std::string_view key) noexcept {
    const auto open = key.find('{');
    if (open != std::string_view::npos) {
        const auto close = key.find('}', open + 1);
        if (close != std::string_view::npos && close > open + 1) key = key.substr(open + 1, close - open - 1);
    }
    return static_cast<std::uint16_t>(cluster_crc16(key) % cluster_slot_count);
}

std::optional<std::uint16_t> cluster_command_slot(const std::vector<std::string>& args) {
    using namespace cluster_slots_parts;
    if (args.size() < 2) return std::nullopt;
    const std::string name = upper(args[0]);
    if (keyless(name)) return std::nullopt;
    if (name == "EVAL" || name == "EVALSHA" || name == "EVAL_RO" || name == "EVALSHA_RO" || name == "FCALL" ||
        name == "FCALL_RO") {
        if (args.size() < 4 || std::atoll(args[2].c_str()) < 1) return std::nullopt;
        return cluster_key_slot(args[3]);
    }
    if (name == "XREAD" || name == "XREADGROUP") {
        for (std::size_t i = 1; i + 1 < args.size(); ++i) {
            if (upper(args[i]) == "STREAMS") return cluster_key_slot(args[i + 1]);
        }
        return std::nullopt;
    }
    if (name == "XGROUP" || name == "XINFO" || name == "OBJECT") {
        if (args.size() < 3) return std::nullopt;
        return cluster_key_slot(args[2]);
    }
    return cluster_key_slot(args[1]);
}

}  // namespace ipcxx::detail
