// Redis Cluster key slots (socket-free): CRC16 with hash tags, and which argument of a command is
// the key that decides where it goes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipcxx::detail {

inline constexpr std::uint16_t cluster_slot_count = 16384;

// CRC16-CCITT (XModem), the checksum Redis Cluster hashes keys with.
std::uint16_t cluster_crc16(std::string_view bytes) noexcept;

// The slot of a key: of the part between the first `{` and the next `}` when that part is not
// empty (a hash tag), else of the whole key.
std::uint16_t cluster_key_slot(std::string_view key) noexcept;

// The slot a command goes to: that of its first key (EVAL/EVALSHA: the first of KEYS; XREAD and
// XREADGROUP: the first stream after STREAMS; XGROUP and XINFO: their third word). None for a
// command without a key (PING, TIME, SCRIPT, PUBLISH, ...): any node serves it.
std::optional<std::uint16_t> cluster_command_slot(const std::vector<std::string>& args);

}  // namespace ipcxx::detail
