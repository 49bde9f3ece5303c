#include "codec/utf8.hpp"

namespace ipcxx::detail {

std::size_t find_invalid_utf8(const char* data, std::size_t size) noexcept {
    const auto* const begin = reinterpret_cast<const unsigned char*>(data);
    const auto* const end = begin + size;
    const auto* p = begin;
    while (p < end) {
        // Frames are mostly ASCII: skip 16 bytes at a time while no high bit is set.
        while (end - p >= 16 && ((load_u64(p) | load_u64(p + 8)) & repeat_byte(0x80)) == 0) p += 16;
        while (p < end && *p < 0x80) ++p;
        if (p == end) break;
        const std::size_t n = utf8_sequence_length(p, end, false);
        if (n == 0) return static_cast<std::size_t>(p - begin);
        p += n;
    }
    return size;
}

}  // namespace ipcxx::detail
