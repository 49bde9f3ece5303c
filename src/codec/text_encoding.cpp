#include "codec/text_encoding.hpp"

#include <cstdint>
#include <cstdio>

#include "codec/utf8.hpp"
#include "ipcxx/error.hpp"

namespace ipcxx::detail {
namespace {

int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Both alphabets at once, as Node's decoder accepts them.
int base64_digit(char c) noexcept {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

std::error_code bad(std::string& detail, std::string what, errc code = errc::invalid_argument) {
    detail = std::move(what);
    return make_error_code(code);
}

std::error_code decode_hex(std::string_view text, std::string& out, std::string& detail) {
    if (text.size() % 2 != 0) return bad(detail, "hex text has an odd number of digits");
    for (std::size_t i = 0; i < text.size(); i += 2) {
        const int hi = hex_digit(text[i]);
        const int lo = hex_digit(text[i + 1]);
        if (hi < 0 || lo < 0) return bad(detail, "hex text has a non-hex digit at offset " + std::to_string(i));
        out.push_back(static_cast<char>(hi << 4 | lo));
    }
    return {};
}

std::error_code decode_base64(std::string_view text, std::string& out, std::string& detail) {
    while (!text.empty() && text.back() == '=') text.remove_suffix(1);
    if (text.size() % 4 == 1) return bad(detail, "base64 text has a dangling character");
    std::uint32_t bits = 0;
    int held = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const int digit = base64_digit(text[i]);
        if (digit < 0) return bad(detail, "base64 text has an invalid character at offset " + std::to_string(i));
        bits = bits << 6 | static_cast<std::uint32_t>(digit);
        held += 6;
        if (held >= 8) {
            held -= 8;
            out.push_back(static_cast<char>(bits >> held & 0xFF));
        }
    }
    return {};
}

// Calls `emit(code_point)` for each code point of valid UTF-8 text.
template <class Emit>
std::error_code each_code_point(std::string_view text, std::string& detail, Emit&& emit) {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const auto* end = p + text.size();
    while (p < end) {
        std::uint32_t cp = *p;
        std::size_t len = 1;
        if (cp >= 0x80) {
            len = utf8_sequence_length(p, end, false);
            if (len == 0) {
                return bad(detail, "invalid UTF-8 at byte " + std::to_string(p - reinterpret_cast<const unsigned char*>(text.data())),
                           errc::invalid_utf8);
            }
            cp = len == 2 ? (p[0] & 0x1Fu) : len == 3 ? (p[0] & 0x0Fu) : (p[0] & 0x07u);
            for (std::size_t i = 1; i < len; ++i) cp = cp << 6 | (p[i] & 0x3Fu);
        }
        if (auto ec = emit(cp)) return ec;
        p += len;
    }
    return {};
}

}  // namespace

std::error_code encode_text(std::string_view text, std::string_view encoding, std::string& out, std::string& detail) {
    const std::size_t old_size = out.size();
    std::error_code ec;
    switch (encoding_named(encoding)) {
        case Encoding::unknown: return bad(detail, "unknown encoding '" + std::string(encoding) + "'");
        case Encoding::utf8:
            if (const std::size_t at = find_invalid_utf8(text.data(), text.size()); at != text.size()) {
                return bad(detail, "invalid UTF-8 at byte " + std::to_string(at), errc::invalid_utf8);
            }
            out.append(text.data(), text.size());
            return {};
        case Encoding::hex: ec = decode_hex(text, out, detail); break;
        case Encoding::base64: ec = decode_base64(text, out, detail); break;
        case Encoding::latin1:
        case Encoding::ascii: {
            const std::uint32_t limit = encoding == "ascii" ? 0x7F : 0xFF;
            ec = each_code_point(text, detail, [&](std::uint32_t cp) -> std::error_code {
                if (cp > limit) {
                    char name[16];
                    std::snprintf(name, sizeof name, "U+%04X", static_cast<unsigned>(cp));
                    return bad(detail, std::string(name) + " does not fit " + std::string(encoding));
                }
                out.push_back(static_cast<char>(cp));
                return {};
            });
            break;
        }
        case Encoding::utf16le:
            ec = each_code_point(text, detail, [&](std::uint32_t cp) -> std::error_code {
                auto unit = [&](std::uint32_t u) {
                    out.push_back(static_cast<char>(u & 0xFF));
                    out.push_back(static_cast<char>(u >> 8));
                };
                if (cp < 0x10000) {
                    unit(cp);
                } else {
                    unit(0xD800 + ((cp - 0x10000) >> 10));
                    unit(0xDC00 + ((cp - 0x10000) & 0x3FF));
                }
                return {};
            });
            break;
    }
    if (ec) out.resize(old_size);
    return ec;
}

}  // namespace ipcxx::detail
