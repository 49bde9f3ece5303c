// UTF-8 checks shared by the JSON encoder and decoder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace ipcxx::detail {

inline std::uint64_t load_u64(const unsigned char* p) noexcept {
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

constexpr std::uint64_t repeat_byte(unsigned char b) noexcept { return 0x0101010101010101ULL * b; }

// Nonzero when some byte of `v` is zero (exact in its lowest such byte; enough for "any").
constexpr std::uint64_t has_zero_byte(std::uint64_t v) noexcept {
    return (v - repeat_byte(0x01)) & ~v & repeat_byte(0x80);
}

// Length of the UTF-8 sequence starting at the non-ASCII byte `p[0]`, or 0 when it is invalid
// (overlong, truncated, above U+10FFFF, or a surrogate unless `allow_surrogates`).
// With `allow_surrogates`, ED A0..BF xx (a lone surrogate in generalized UTF-8, "WTF-8") is accepted.
inline std::size_t utf8_sequence_length(const unsigned char* p, const unsigned char* end,
                                        bool allow_surrogates) noexcept {
    const unsigned char c = p[0];
    const std::size_t avail = static_cast<std::size_t>(end - p);
    auto cont = [&](std::size_t i) { return (p[i] & 0xC0) == 0x80; };
    if (c >= 0xC2 && c <= 0xDF) {
        return avail >= 2 && cont(1) ? 2 : 0;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        if (avail < 3 || !cont(1) || !cont(2)) return 0;
        if (c == 0xE0 && p[1] < 0xA0) return 0;                         // overlong
        if (c == 0xED && p[1] >= 0xA0 && !allow_surrogates) return 0;  // surrogate
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (avail < 4 || !cont(1) || !cont(2) || !cont(3)) return 0;
        if (c == 0xF0 && p[1] < 0x90) return 0;  // overlong
        if (c == 0xF4 && p[1] >= 0x90) return 0;  // above U+10FFFF
        return 4;
    }
    return 0;
}

// Offset of the first byte that is not part of strict UTF-8, or `size` when all of it is valid.
std::size_t find_invalid_utf8(const char* data, std::size_t size) noexcept;

}  // namespace ipcxx::detail
