#include "codec/json_string.hpp"

#include "codec/utf8.hpp"

namespace ipcxx::detail {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

// Nonzero when some byte of `v` needs more than a copy: high bit, < 0x20, '"' or '\\'.
constexpr std::uint64_t needs_attention(std::uint64_t v) noexcept {
    const std::uint64_t below_space = (v - repeat_byte(0x20)) & ~v & repeat_byte(0x80);
    return (v & repeat_byte(0x80)) | below_space | has_zero_byte(v ^ repeat_byte('"')) |
           has_zero_byte(v ^ repeat_byte('\\'));
}

constexpr bool is_plain(unsigned char c) noexcept { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

void append_escaped_ascii(unsigned char c, std::string& out) {
    switch (c) {
        case '"': out.append("\\\"", 2); return;
        case '\\': out.append("\\\\", 2); return;
        case '\b': out.append("\\b", 2); return;
        case '\t': out.append("\\t", 2); return;
        case '\n': out.append("\\n", 2); return;
        case '\f': out.append("\\f", 2); return;
        case '\r': out.append("\\r", 2); return;
        default: {
            const char esc[6] = {'\\', 'u', '0', '0', hex_digits[c >> 4], hex_digits[c & 0xF]};
            out.append(esc, 6);
        }
    }
}

void append_u16_escape(unsigned unit, std::string& out) {
    const char esc[6] = {'\\', 'u', hex_digits[(unit >> 12) & 0xF], hex_digits[(unit >> 8) & 0xF],
                         hex_digits[(unit >> 4) & 0xF], hex_digits[unit & 0xF]};
    out.append(esc, 6);
}

unsigned decode3(const unsigned char* p) noexcept {
    return ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
}

}  // namespace

std::size_t append_json_string(std::string_view s, std::string& out) {
    const auto* const begin = reinterpret_cast<const unsigned char*>(s.data());
    const auto* const end = begin + s.size();
    const auto* p = begin;
    const auto* run = begin;  // start of bytes not yet copied to `out`
    auto flush = [&] { out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run)); };

    out.push_back('"');
    for (;;) {
        while (end - p >= 8 && needs_attention(load_u64(p)) == 0) p += 8;
        while (p < end && is_plain(*p)) ++p;
        if (p == end) break;
        const unsigned char c = *p;
        if (c < 0x80) {
            flush();
            append_escaped_ascii(c, out);
            run = ++p;
            continue;
        }
        const std::size_t n = utf8_sequence_length(p, end, true);
        if (n == 0) return static_cast<std::size_t>(p - begin);
        if (n == 3 && c == 0xED && p[1] >= 0xA0) {
            flush();
            const unsigned unit = decode3(p);
            const bool paired = unit < 0xDC00 && end - p >= 6 && p[3] == 0xED && p[4] >= 0xB0 &&
                                p[4] <= 0xBF && (p[5] & 0xC0) == 0x80;
            if (paired) {
                // Two halves of one pair form a valid JS string: JSON.stringify writes the character raw.
                const unsigned cp = 0x10000 + ((unit - 0xD800) << 10) + (decode3(p + 3) - 0xDC00);
                const char utf8[4] = {static_cast<char>(0xF0 | (cp >> 18)),
                                      static_cast<char>(0x80 | ((cp >> 12) & 0x3F)),
                                      static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
                                      static_cast<char>(0x80 | (cp & 0x3F))};
                out.append(utf8, 4);
                p += 6;
            } else {
                append_u16_escape(unit, out);
                p += 3;
            }
            run = p;
            continue;
        }
        p += n;
    }
    flush();
    out.push_back('"');
    return s.size();
}

}  // namespace ipcxx::detail
