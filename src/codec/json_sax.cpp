#include "codec/json_sax.hpp"

#include <charconv>
#include <cmath>
#include <cstring>

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>

#include "codec/utf8.hpp"
#include "ipcxx/error.hpp"

namespace ipcxx::detail {
namespace {

// Iterative: RapidJSON keeps its own heap stack, so no input can exhaust the native stack
// (measured about 7% slower than the recursive parser on ~100-byte frames).
constexpr unsigned parse_flags = rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseIterativeFlag;

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The UTF-16 unit of a \uXXXX escape at `p` (which points at the backslash), or -1.
long escape_unit(std::string_view text, std::size_t p) {
    if (p + 6 > text.size() || text[p] != '\\' || text[p + 1] != 'u') return -1;
    long v = 0;
    for (std::size_t i = p + 2; i < p + 6; ++i) {
        const int h = hex_value(text[i]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

// node-ipc writes a lone surrogate as "\ud800", which RapidJSON 1.1 rejects for high surrogates.
// Replace each lone high-surrogate escape inside a string by its 3-byte generalized UTF-8 form
// (what RapidJSON already produces for lone low surrogates), so it round-trips through the encoder.
void rewrite_lone_high_surrogates(std::string_view text, std::string& out, std::vector<std::size_t>& at) {
    out.clear();
    at.clear();
    bool in_string = false;
    for (std::size_t i = 0; i < text.size();) {
        const char c = text[i];
        if (!in_string) {
            in_string = c == '"';
            out.push_back(c);
            ++i;
            continue;
        }
        if (c == '"') {
            in_string = false;
        } else if (c == '\\') {
            const long unit = escape_unit(text, i);
            if (unit >= 0xD800 && unit <= 0xDBFF) {
                const long next = escape_unit(text, i + 6);
                if (next >= 0xDC00 && next <= 0xDFFF) {  // a proper pair
                    out.append(text.substr(i, 12));
                    i += 12;
                } else {
                    at.push_back(out.size());
                    out.push_back(static_cast<char>(0xED));
                    out.push_back(static_cast<char>(0x80 | ((unit >> 6) & 0x3F)));
                    out.push_back(static_cast<char>(0x80 | (unit & 0x3F)));
                    i += 6;
                }
                continue;
            }
            if (i + 1 < text.size()) out.push_back(text[i++]);  // so an escaped quote stays inside
        }
        out.push_back(text[i++]);
    }
}

}  // namespace

void MsgpackSaxHandler::reset(bool envelope_mode) {
    buf.clear();
    open.clear();
    type = data = MemberRange{};
    envelope = envelope_mode;
    root_is_object = too_deep = number_out_of_range = false;
    member_ = nullptr;
}

bool MsgpackSaxHandler::Key(const char* s, rapidjson::SizeType len, bool) {
    if (envelope && open.size() == 1) {  // a member of the root object
        const std::string_view key(s, len);
        member_ = key == "type" ? &type : key == "data" ? &data : nullptr;
        member_begin_ = buf.size();
        return true;
    }
    packer_.pack_str(len).pack_str_body(s, len);
    return true;
}

namespace {

// Whether an out-of-range decimal number is too small (underflow) rather than too large: its
// decimal exponent, from the digits before the point and the exponent part, is below zero.
bool underflows(std::string_view text) {
    std::size_t i = text[0] == '-' ? 1 : 0;
    long magnitude = 0;
    bool leading = true;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
        if (text[i] != '0') leading = false;
        if (!leading) ++magnitude;
    }
    if (i < text.size() && text[i] == '.') {
        for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
            if (!leading) continue;
            if (text[i] != '0') {
                leading = false;
            } else {
                --magnitude;
            }
        }
    }
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        const bool negative = i < text.size() && text[i] == '-';
        if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
        long exponent = 0;
        for (; i < text.size() && exponent < 100000; ++i) exponent = exponent * 10 + (text[i] - '0');
        magnitude += negative ? -exponent : exponent;
    }
    return magnitude <= 0;
}

}  // namespace

bool MsgpackSaxHandler::RawNumber(const char* s, rapidjson::SizeType len, bool) {
    const std::string_view text(s, len);
    const char* end = s + len;
    if (text.find_first_of(".eE") == std::string_view::npos) {
        // An integer literal that fits 64 bits stays exact, as the sender wrote it.
        if (text[0] == '-') {
            std::int64_t value = 0;
            if (std::from_chars(s, end, value).ec == std::errc()) return scalar([&] { packer_.pack_int64(value); });
        } else {
            std::uint64_t value = 0;
            if (std::from_chars(s, end, value).ec == std::errc()) return scalar([&] { packer_.pack_uint64(value); });
        }
    }
    double value = 0;
    const auto result = std::from_chars(s, end, value);  // correctly rounded, locale-free
    if (result.ec == std::errc::result_out_of_range) {
        if (!underflows(text)) {
            number_out_of_range = true;  // JSON.stringify never sends one: Infinity goes as null
            return false;
        }
        value = text[0] == '-' ? -0.0 : 0.0;
    }
    return scalar([&] { append_number_as_msgpack(value, buf); });
}

void append_number_as_msgpack(double d, std::string& out) {
    struct Sink {
        std::string* s;
        void write(const char* p, std::size_t n) { s->append(p, n); }
    } sink{&out};
    constexpr double exact = 9007199254740992.0;  // 2^53
    if (std::fabs(d) <= exact && d == std::trunc(d)) {
        msgpack::packer<Sink> packer(sink);
        if (d < 0) {
            packer.pack_int64(static_cast<std::int64_t>(d));
        } else {
            packer.pack_uint64(static_cast<std::uint64_t>(d));
        }
        return;
    }
    // Not packer::pack_double: it turns every integral double into an int.
    std::uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    char bytes[9] = {static_cast<char>(0xCB)};
    for (int i = 0; i < 8; ++i) bytes[1 + i] = static_cast<char>(bits >> (56 - 8 * i));
    out.append(bytes, sizeof bytes);
}

bool MsgpackSaxHandler::start(unsigned char header) {
    if (open.size() >= max_depth) {
        too_deep = true;
        return false;
    }
    if (open.empty() && header == 0xDF) root_is_object = true;
    open.push_back(buf.size());
    const char bytes[5] = {static_cast<char>(header), 0, 0, 0, 0};
    buf.append(bytes, 5);
    return true;
}

bool MsgpackSaxHandler::end(rapidjson::SizeType count) {
    const std::size_t at = open.back() + 1;
    open.pop_back();
    buf[at] = static_cast<char>(count >> 24);
    buf[at + 1] = static_cast<char>(count >> 16);
    buf[at + 2] = static_cast<char>(count >> 8);
    buf[at + 3] = static_cast<char>(count);
    if (open.size() == 1) member_done();
    return true;
}

// A value of the root object is complete; a repeated key overrides the earlier one.
void MsgpackSaxHandler::member_done() {
    if (member_) *member_ = MemberRange{member_begin_, buf.size(), true};
}

std::error_code JsonSaxParser::parse(std::string_view text, bool envelope, std::string& detail) {
    const std::size_t bad = find_invalid_utf8(text.data(), text.size());
    if (bad != text.size()) {
        detail = "invalid UTF-8 at byte " + std::to_string(bad);
        return make_error_code(errc::invalid_utf8);
    }
    // RapidJSON reads a NUL as the end of its input, so it must not reach the parser.
    if (const void* nul = std::memchr(text.data(), 0, text.size())) {
        detail = "invalid JSON at offset " + std::to_string(static_cast<const char*>(nul) - text.data()) +
                 ": NUL byte";
        return make_error_code(errc::invalid_json);
    }
    handler.reset(envelope);
    rapidjson::MemoryStream input(text.data(), text.size());
    rapidjson::ParseResult result = reader_.Parse<parse_flags>(input, handler);
    bool rewritten = false;
    if (result.Code() == rapidjson::kParseErrorStringUnicodeSurrogateInvalid) {
        rewrite_lone_high_surrogates(text, rewritten_, rewrites_);
        handler.reset(envelope);
        rapidjson::MemoryStream again(rewritten_.data(), rewritten_.size());
        result = reader_.Parse<parse_flags>(again, handler);
        rewritten = true;
    }
    if (!result.IsError()) return {};
    std::size_t offset = result.Offset();
    if (rewritten) {  // report the offset in the text as received: each rewrite saved 3 bytes
        for (std::size_t at : rewrites_) offset += at < result.Offset() ? 3 : 0;
    }
    detail = "invalid JSON at offset " + std::to_string(offset) + ": " +
             (handler.too_deep                ? "nested deeper than 512 levels"
              : handler.number_out_of_range ? "number too large for a double"
                                            : rapidjson::GetParseError_En(result.Code()));
    return make_error_code(errc::invalid_json);
}

}  // namespace ipcxx::detail
