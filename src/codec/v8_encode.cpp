// msgpack -> V8 ValueSerializer bytes a Node 20 peer reads, for Node's 'advanced' channel serialization.
#include <cmath>
#include <cstring>
#include <vector>

#include "codec/msgpack_reader.hpp"
#include "codec/utf8.hpp"
#include "codec/v8_tags.hpp"
#include "codec/v8_wire.hpp"
#include "ipcxx/error.hpp"

namespace ipcxx::detail {
namespace v8_encoding {

namespace tag = v8_tag;

// Nesting is refused past this, as the JSON encoder refuses it.
constexpr int max_depth = 512;
constexpr std::uint64_t max_safe_integer = std::uint64_t{1} << 53;  // larger integers go as BigInt

class Encoder {
public:
    Encoder(std::string_view in, std::string& out, std::string* detail) : in_(in, detail), out_(out) {}

    std::error_code run() {
        const std::size_t start = out_.size();
        out_.push_back(static_cast<char>(tag::version));
        out_.push_back(static_cast<char>(tag::latest_version));
        if (value(0) && !in_.at_end()) in_.fail(errc::invalid_argument, "trailing bytes after the msgpack value");
        if (in_.error()) out_.resize(start);
        return in_.error();
    }

private:
    bool fail(errc e, const std::string& what) { return in_.fail(e, what); }
    bool need(std::uint64_t n) { return in_.need(n); }

    void tag_byte(unsigned char t) { out_.push_back(static_cast<char>(t)); }
    void varint(std::uint64_t v) {
        do {
            unsigned char b = v & 0x7F;
            v >>= 7;
            if (v != 0) b |= 0x80;
            out_.push_back(static_cast<char>(b));
        } while (v != 0);
    }
    void double_bytes(double d) {
        std::uint64_t bits = 0;
        std::memcpy(&bits, &d, sizeof bits);
        for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>(bits >> (8 * i)));  // little-endian
    }
    void number(double d) {
        tag_byte(tag::number);
        double_bytes(d);
    }
    // BigInt: bitfield (sign, byte length) then 64-bit digits, least significant first. `magnitude`
    // is big-endian without leading zeros.
    void bigint(bool negative, std::string_view magnitude) {
        const std::size_t digits_bytes = (magnitude.size() + 7) / 8 * 8;
        tag_byte(tag::bigint);
        varint((static_cast<std::uint64_t>(digits_bytes) << 1) | (negative && !magnitude.empty() ? 1 : 0));
        for (std::size_t i = magnitude.size(); i-- > 0;) out_.push_back(magnitude[i]);
        out_.append(digits_bytes - magnitude.size(), '\0');
    }
    void integer(bool negative, std::uint64_t magnitude) {
        if (!negative && magnitude <= 0x7FFFFFFF) {
            tag_byte(tag::int32);
            varint(magnitude << 1);  // zigzag
        } else if (negative && magnitude <= 0x80000000ULL) {
            tag_byte(tag::int32);
            varint((magnitude << 1) - 1);
        } else if (magnitude <= max_safe_integer) {
            number(negative ? -static_cast<double>(magnitude) : static_cast<double>(magnitude));
        } else {
            char be_bytes[8];
            std::size_t n = 0;
            for (int i = 7; i >= 0; --i) {
                const auto b = static_cast<char>(magnitude >> (8 * i));
                if (n != 0 || b != 0) be_bytes[n++] = b;
            }
            bigint(negative, std::string_view(be_bytes, n));
        }
    }

    bool value(int depth) {
        if (!need(1)) return false;
        const unsigned char t = in_.take();
        std::uint64_t n = 0;
        if (t <= 0x7F || t >= 0xE0) {  // positive and negative fixint
            integer(t >= 0xE0, t <= 0x7F ? t : 0x100u - t);
            return true;
        }
        if (t <= 0x8F) return map(t & 0x0F, depth);
        if (t <= 0x9F) return array(t & 0x0F, depth);
        if (t <= 0xBF) return string(t & 0x1F);
        switch (t) {
            case 0xC0: tag_byte(tag::null); return true;
            case 0xC2: tag_byte(tag::false_value); return true;
            case 0xC3: tag_byte(tag::true_value); return true;
            case 0xC4: return in_.read_length(1, n) && buffer(n);
            case 0xC5: return in_.read_length(2, n) && buffer(n);
            case 0xC6: return in_.read_length(4, n) && buffer(n);
            case 0xC7: return in_.read_length(1, n) && ext(n, depth);
            case 0xC8: return in_.read_length(2, n) && ext(n, depth);
            case 0xC9: return in_.read_length(4, n) && ext(n, depth);
            case 0xCA: case 0xCB: {
                double d = 0;
                if (!in_.read_float(t, d)) return false;
                number(d);
                return true;
            }
            case 0xCC: case 0xCD: case 0xCE: case 0xCF: {
                std::uint64_t u = 0;
                if (!in_.read_unsigned(t, u)) return false;
                integer(false, u);
                return true;
            }
            case 0xD0: case 0xD1: case 0xD2: case 0xD3: {
                std::int64_t v = 0;
                if (!in_.read_signed(t, v)) return false;
                // The magnitude of INT64_MIN does not fit int64: computed unsigned.
                integer(v < 0, v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v));
                return true;
            }
            case 0xD4: return ext(1, depth);
            case 0xD5: return ext(2, depth);
            case 0xD6: return ext(4, depth);
            case 0xD7: return ext(8, depth);
            case 0xD8: return ext(16, depth);
            case 0xD9: return in_.read_length(1, n) && string(n);
            case 0xDA: return in_.read_length(2, n) && string(n);
            case 0xDB: return in_.read_length(4, n) && string(n);
            case 0xDC: return in_.read_length(2, n) && array(n, depth);
            case 0xDD: return in_.read_length(4, n) && array(n, depth);
            case 0xDE: return in_.read_length(2, n) && map(n, depth);
            case 0xDF: return in_.read_length(4, n) && map(n, depth);
            default: in_.advance(-1); return fail(errc::invalid_argument, "invalid msgpack type byte 0xc1");
        }
    }

    // Latin-1 text as one-byte '"' (what V8 writes for it); text with a lone surrogate (its 3-byte
    // form) as two-byte 'c', since V8 reads UTF-8 'S' strictly; any other text as UTF-8 'S'.
    bool string(std::uint64_t length) {
        if (!need(length)) return false;
        const unsigned char* s = in_.position();
        bool latin1 = true;
        bool lone_surrogate = false;
        for (std::uint64_t i = 0; i < length;) {
            if (s[i] < 0x80) {
                ++i;
                continue;
            }
            const std::size_t n = utf8_sequence_length(s + i, s + length, true);
            if (n == 0) {
                in_.advance(static_cast<std::ptrdiff_t>(i));
                return fail(errc::invalid_utf8, "invalid UTF-8 in a string");
            }
            if (n > 2 || s[i] > 0xC3) latin1 = false;
            if (n == 3 && s[i] == 0xED && s[i + 1] >= 0xA0) lone_surrogate = true;
            i += n;
        }
        in_.advance(static_cast<std::ptrdiff_t>(length));
        if (latin1) {
            std::size_t chars = 0;
            for (std::uint64_t i = 0; i < length; ++i) chars += (s[i] & 0xC0) != 0x80;
            tag_byte(tag::one_byte_string);
            varint(chars);
            for (std::uint64_t i = 0; i < length; ++i) {
                if (s[i] < 0x80) {
                    out_.push_back(static_cast<char>(s[i]));
                } else {
                    out_.push_back(static_cast<char>(((s[i] & 0x03) << 6) | (s[i + 1] & 0x3F)));
                    ++i;
                }
            }
        } else if (lone_surrogate) {
            two_byte_string(s, length);
        } else {
            tag_byte(tag::utf8_string);
            varint(length);
            out_.append(reinterpret_cast<const char*>(s), length);
        }
        return true;
    }

    void two_byte_string(const unsigned char* s, std::uint64_t length) {
        std::string units;
        const auto unit = [&](std::uint32_t u) {
            units.push_back(static_cast<char>(u & 0xFF));
            units.push_back(static_cast<char>(u >> 8));
        };
        for (std::uint64_t i = 0; i < length;) {  // valid (checked), surrogates in their 3-byte form
            const unsigned char c = s[i];
            std::uint32_t cp = 0;
            std::size_t n = 1;
            if (c < 0x80) cp = c;
            else if (c < 0xE0) cp = (c & 0x1Fu) << 6 | (s[i + 1] & 0x3Fu), n = 2;
            else if (c < 0xF0) cp = (c & 0x0Fu) << 12 | (s[i + 1] & 0x3Fu) << 6 | (s[i + 2] & 0x3Fu), n = 3;
            else cp = (c & 0x07u) << 18 | (s[i + 1] & 0x3Fu) << 12 | (s[i + 2] & 0x3Fu) << 6 | (s[i + 3] & 0x3Fu), n = 4;
            i += n;
            if (cp >= 0x10000) {
                unit(0xD800 + ((cp - 0x10000) >> 10));
                unit(0xDC00 + ((cp - 0x10000) & 0x3FF));
            } else {
                unit(cp);
            }
        }
        tag_byte(tag::two_byte_string);
        varint(units.size());
        out_ += units;
    }

    bool buffer(std::uint64_t length) { return view(tag::view_buffer, length); }

    // Node's ChildProcessSerializer host object: array-buffer-view kind, type index, byte length, bytes.
    bool view(std::uint32_t type, std::uint64_t length) {
        if (!need(length)) return false;
        if (length % tag::view_element_size[type] != 0) {
            return fail(errc::invalid_argument, "a typed array ext of " + std::to_string(length) +
                                                    " bytes, not a multiple of its element size");
        }
        tag_byte(tag::host_object);
        varint(tag::host_array_buffer_view);
        varint(type);
        varint(length);
        out_.append(reinterpret_cast<const char*>(in_.position()), length);
        in_.advance(static_cast<std::ptrdiff_t>(length));
        return true;
    }

    bool deeper(int depth) {
        return depth < max_depth || fail(errc::unsupported_value, "msgpack nested deeper than 512");
    }

    bool array(std::uint64_t count, int depth) {
        if (!deeper(depth)) return false;
        tag_byte(tag::begin_dense_array);
        varint(count);
        for (std::uint64_t i = 0; i < count; ++i) {
            if (!value(depth + 1)) return false;
        }
        tag_byte(tag::end_dense_array);
        varint(0);
        varint(count);
        return true;
    }

    // Keys all strings: a plain object (what the JSON wire makes of it too); any other key: a Map.
    // Both write their entries alike, so the first key that is not a string turns the object
    // begun into a Map by its first byte, and nothing is written twice.
    bool map(std::uint64_t count, int depth) {
        if (!deeper(depth)) return false;
        const std::size_t start = out_.size();
        const std::size_t first_key = keys_.size();
        tag_byte(tag::begin_object);
        bool object = true;
        for (std::uint64_t i = 0; i < count; ++i) {
            if (!need(1)) return false;
            const unsigned char k = in_.peek();
            object = object && ((k >= 0xA0 && k <= 0xBF) || (k >= 0xD9 && k <= 0xDB));
            const std::size_t key_at = out_.size();
            if (!value(depth + 1)) return false;
            if (object) keys_.emplace_back(key_at, out_.size() - key_at);
            if (!value(depth + 1)) return false;
        }
        if (object) {
            tag_byte(tag::end_object);
            varint(count);
            return unique_keys(first_key);
        }
        keys_.resize(first_key);
        out_[start] = static_cast<char>(tag::begin_map);
        tag_byte(tag::end_map);
        varint(2 * count);
        return true;
    }

    // A Node peer fails on an object with a key twice (and the process dies of it): refused here.
    // Equal strings are written as equal bytes, so the written keys are compared.
    bool unique_keys(std::size_t first) {
        std::string repeated;
        return tag::pop_unique_keys(keys_, first, out_, repeated) ||
               fail(errc::invalid_argument, "a map with the same string key twice");
    }

    bool ext(std::uint64_t length, int depth) {
        if (!need(1)) return false;
        const auto type = static_cast<std::int8_t>(in_.take());
        if (!need(length)) return false;
        switch (type) {
            case v8_ext::timestamp: return date(length);
            case v8_ext::undefined:
                if (length != 0) return fail(errc::invalid_argument, "an undefined ext with data");
                tag_byte(tag::undefined);
                return true;
            case v8_ext::bigint: return bigint_ext(length);
            case v8_ext::set: return set(length, depth);
            default: break;
        }
        const int view_type = type - v8_ext::typed_array_base;
        if (view_type >= 0 && view_type < static_cast<int>(tag::view_type_count) &&
            static_cast<std::uint32_t>(view_type) != tag::view_buffer) {
            return view(static_cast<std::uint32_t>(view_type), length);
        }
        return fail(errc::unsupported_value, "msgpack ext type " + std::to_string(type) + " has no V8 form");
    }

    bool bigint_ext(std::uint64_t length) {
        const unsigned char* const p = in_.position();
        if (length == 0 || p[0] > 1) return fail(errc::invalid_argument, "a BigInt ext without its sign byte 0 or 1");
        const bool negative = p[0] == 1;
        std::string_view magnitude(reinterpret_cast<const char*>(p + 1), length - 1);
        while (!magnitude.empty() && magnitude.front() == '\0') magnitude.remove_prefix(1);
        in_.advance(static_cast<std::ptrdiff_t>(length));
        bigint(negative, magnitude);
        return true;
    }

    bool set(std::uint64_t length, int depth) {
        if (!deeper(depth)) return false;
        // The ext's data is one msgpack array: read in place, then checked to end where the ext ends.
        const unsigned char* const ext_end = in_.position() + length;
        const unsigned char* const outer_end = in_.limit(ext_end);
        std::uint64_t count = 0;
        bool ok = true;
        if (!need(1)) {
            ok = false;
        } else if (in_.peek() >= 0x90 && in_.peek() <= 0x9F) {
            count = in_.take() & 0x0F;
        } else if (in_.peek() == 0xDC || in_.peek() == 0xDD) {
            ok = in_.read_length(in_.take() == 0xDC ? 2 : 4, count);
        } else {
            ok = fail(errc::invalid_argument, "a Set ext whose data is not a msgpack array");
        }
        if (ok) {
            tag_byte(tag::begin_set);
            for (std::uint64_t i = 0; i < count && ok; ++i) ok = value(depth + 1);
            if (ok && in_.position() != ext_end) ok = fail(errc::invalid_argument, "bytes after the array in a Set ext");
            tag_byte(tag::end_set);
            varint(count);
        }
        in_.limit(outer_end);
        return ok;
    }

    // msgpack timestamp (32, 64 or 96 bits) -> Date, in whole milliseconds as a Date holds them.
    bool date(std::uint64_t length) {
        std::int64_t seconds = 0;
        std::uint64_t nanoseconds = 0;
        if (length == 4) {
            seconds = static_cast<std::int64_t>(in_.be(4));
        } else if (length == 8) {
            const std::uint64_t v = in_.be(8);
            nanoseconds = v >> 34;
            seconds = static_cast<std::int64_t>(v & ((std::uint64_t{1} << 34) - 1));
        } else if (length == 12) {
            nanoseconds = in_.be(4);
            seconds = static_cast<std::int64_t>(in_.be(8));
        } else {
            return fail(errc::invalid_argument, "a timestamp ext of " + std::to_string(length) + " bytes");
        }
        if (nanoseconds >= 1000000000) return fail(errc::invalid_argument, "a timestamp with 1e9 nanoseconds or more");
        constexpr std::int64_t max_seconds = 8640000000000;  // a Date's range, +-8.64e15 ms
        if (seconds > max_seconds || seconds < -max_seconds) {
            return fail(errc::unsupported_value, "a timestamp outside the range of a JavaScript Date");
        }
        const double ms = static_cast<double>(seconds * 1000 + static_cast<std::int64_t>(nanoseconds / 1000000));
        if (std::fabs(ms) > tag::max_date_ms) {
            return fail(errc::unsupported_value, "a timestamp outside the range of a JavaScript Date");
        }
        tag_byte(tag::date);
        double_bytes(ms);
        return true;
    }

    MsgpackReader in_;
    std::string& out_;
    tag::KeyRanges keys_;  // open objects' keys as written
};

}  // namespace v8_encoding

std::error_code msgpack_to_v8(std::string_view msgpack_value, std::string& out, std::string* detail) {
    return v8_encoding::Encoder(msgpack_value, out, detail).run();
}

}  // namespace ipcxx::detail
