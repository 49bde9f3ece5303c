// V8 ValueSerializer bytes -> msgpack, for Node's 'advanced' channel serialization.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include <msgpack.hpp>

#include "codec/js_number.hpp"
#include "codec/json_sax.hpp"
#include "codec/utf8.hpp"
#include "codec/v8_tags.hpp"
#include "codec/v8_wire.hpp"
#include "ipcxx/error.hpp"

namespace ipcxx::detail {
namespace v8_decoding {

namespace tag = v8_tag;

// Tags of valid V8 types outside the subset, named in the error.
const char* unsupported_type_name(unsigned char t) {
    switch (t) {
        case 'y': case 'x': return "a Boolean object";
        case 'n': return "a Number object";
        case 'z': return "a BigInt object";
        case 's': return "a String object";
        case 'R': return "a RegExp";
        case 'r': return "an Error";
        case 'B': return "an ArrayBuffer";
        case '~': return "a resizable ArrayBuffer";
        case 't': return "a transferred ArrayBuffer";
        case 'V': return "an ArrayBuffer view";
        case 'u': return "a SharedArrayBuffer";
        case 'p': return "a shared object";
        case 'w': return "a WebAssembly module";
        case 'm': return "a WebAssembly memory";
        default: return nullptr;
    }
}

std::string tag_text(unsigned char t) {
    static const char hex[] = "0123456789abcdef";
    std::string s = "0x";
    s += hex[t >> 4];
    s += hex[t & 0x0F];
    if (t >= 0x21 && t <= 0x7E) {
        s += " '";
        s += static_cast<char>(t);
        s += '\'';
    }
    return s;
}

// "0" or a decimal without leading zeros up to 2^32 - 2: the keys JavaScript treats as array indexes.
bool canonical_index(std::string_view key, std::uint64_t& index) {
    if (key.empty() || key.size() > 10 || (key[0] == '0' && key.size() > 1)) return false;
    std::uint64_t v = 0;
    for (char c : key) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    index = v;
    return v <= tag::max_array_index;
}

void append_utf8(std::uint32_t cp, std::string& out) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

std::uint32_t utf16_unit(std::string_view raw, std::size_t i) {
    return static_cast<unsigned char>(raw[2 * i]) | (static_cast<std::uint32_t>(static_cast<unsigned char>(raw[2 * i + 1])) << 8);
}

// Walks UTF-16LE units as code points: a proper pair as one, a lone surrogate as itself (written in
// its 3-byte generalized UTF-8 form, as the JSON decoder does).
template <class OnCodePoint>
void for_each_utf16_code_point(std::string_view raw, OnCodePoint&& on) {
    const std::size_t units = raw.size() / 2;
    for (std::size_t i = 0; i < units; ++i) {
        const std::uint32_t u = utf16_unit(raw, i);
        if (u >= 0xD800 && u <= 0xDBFF && i + 1 < units) {
            const std::uint32_t next = utf16_unit(raw, i + 1);
            if (next >= 0xDC00 && next <= 0xDFFF) {
                on(0x10000 + ((u - 0xD800) << 10) + (next - 0xDC00));
                ++i;
                continue;
            }
        }
        on(u);
    }
}

std::size_t utf8_size(std::uint32_t cp) { return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4; }

// A string's bytes as the message holds them, in one of the three encodings.
struct RawString {
    unsigned char encoding;
    std::string_view bytes;

    std::size_t utf8_length() const {
        std::size_t n = 0;
        if (encoding == tag::one_byte_string) {
            for (char c : bytes) n += static_cast<unsigned char>(c) < 0x80 ? 1 : 2;
        } else if (encoding == tag::two_byte_string) {
            for_each_utf16_code_point(bytes, [&](std::uint32_t cp) { n += utf8_size(cp); });
        } else {
            n = bytes.size();
        }
        return n;
    }

    void append_utf8_to(std::string& out) const {
        if (encoding == tag::one_byte_string) {
            for (char c : bytes) append_utf8(static_cast<unsigned char>(c), out);
        } else if (encoding == tag::two_byte_string) {
            for_each_utf16_code_point(bytes, [&](std::uint32_t cp) { append_utf8(cp, out); });
        } else {
            out.append(bytes);
        }
    }
};

class Decoder {
public:
    Decoder(std::string_view in, std::string& out, std::string* detail, const V8DecodeLimits& limits)
        : base_(reinterpret_cast<const unsigned char*>(in.data())), p_(base_), end_(base_ + in.size()),
          out_(out), out_start_(out.size()), detail_(detail), max_depth_(limits.max_depth),
          max_output_(limits.max_output != 0 ? limits.max_output : 4 * in.size() + (1u << 20)) {
        // msgpack lengths are 32-bit.
        max_output_ = std::min<std::size_t>(max_output_, std::numeric_limits<std::uint32_t>::max());
    }

    std::error_code run() {
        if (end_ - base_ > static_cast<std::ptrdiff_t>(std::numeric_limits<std::uint32_t>::max())) {
            fail(errc::frame_too_large, 0, "a V8 message longer than 4 GiB");
        } else if (header() && value(0)) {
            skip_padding();
            if (p_ != end_) {
                fail(errc::v8_malformed, offset(), std::to_string(end_ - p_) + " bytes after the value");
            }
        }
        if (ec_) out_.resize(out_start_);
        return ec_;
    }

private:
    struct ObjectSlot {
        enum class Where : std::uint8_t { building, out, side };
        std::size_t begin = 0;
        std::size_t end = 0;
        Where where = Where::building;
    };

    struct Key {
        std::size_t at = 0;
        bool is_index = false;
        std::uint64_t index = 0;
    };

    struct Sink {
        std::string* s;
        void write(const char* p, std::size_t n) { s->append(p, n); }
    };

    std::size_t offset() const { return static_cast<std::size_t>(p_ - base_); }
    std::size_t remaining() const { return static_cast<std::size_t>(end_ - p_); }

    bool fail(errc e, std::size_t at, const std::string& what) {
        if (!ec_) {
            ec_ = make_error_code(e);
            if (detail_) *detail_ = what + " at offset " + std::to_string(at);
        }
        return false;
    }

    bool need(std::size_t n) {
        if (remaining() >= n) return true;
        return fail(errc::v8_malformed, offset(),
                    "truncated: " + std::to_string(n) + " bytes needed, " + std::to_string(remaining()) + " left");
    }

    // Whether `n` more output bytes stay within max_output (dropped bytes count: they were made).
    bool room(std::uint64_t n) {
        if (out_.size() - out_start_ + dropped_ + n <= max_output_) return true;
        return fail(errc::frame_too_large, offset(),
                    "the decoded value would exceed " + std::to_string(max_output_) +
                        " bytes (back-references or sparse arrays)");
    }

    bool varint32(std::uint32_t& value) {
        const std::size_t at = offset();
        std::uint32_t v = 0;
        for (unsigned shift = 0;; shift += 7) {
            if (p_ == end_) return fail(errc::v8_malformed, at, "truncated varint");
            const unsigned char b = *p_++;
            // The fifth byte holds the top 4 bits and ends the number.
            if (shift == 28 && (b & 0xF0) != 0) return fail(errc::v8_malformed, at, "varint beyond 32 bits");
            v |= static_cast<std::uint32_t>(b & 0x7F) << shift;
            if ((b & 0x80) == 0) break;
        }
        value = v;
        return true;
    }

    bool read_double(double& d) {
        if (!need(8)) return false;
        std::uint64_t bits = 0;
        for (int i = 7; i >= 0; --i) bits = (bits << 8) | p_[i];  // little-endian, as every Node host writes it
        p_ += 8;
        std::memcpy(&d, &bits, sizeof d);
        if (std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();  // as V8 reads it
        return true;
    }

    void skip_padding() {
        while (p_ != end_ && *p_ == tag::padding) ++p_;
    }

    bool peek_tag(unsigned char& t) {
        skip_padding();
        if (p_ == end_) return fail(errc::v8_malformed, offset(), "truncated: a value or an end tag was expected");
        t = *p_;
        return true;
    }

    // The tag that starts a value: padding and the ignorable object-count tag skipped.
    bool value_tag(unsigned char& t, std::size_t& at) {
        for (;;) {
            if (!peek_tag(t)) return false;
            at = offset();
            ++p_;
            if (t != tag::verify_object_count) return true;
            std::uint32_t ignored = 0;
            if (!varint32(ignored)) return false;
        }
    }

    bool header() {
        if (p_ == end_) return fail(errc::v8_malformed, 0, "empty message");
        if (*p_ != tag::version) return fail(errc::v8_malformed, 0, "no V8 header: the message starts with " + tag_text(*p_));
        ++p_;
        std::uint32_t version = 0;
        if (!varint32(version)) return false;
        if (version < tag::oldest_version || version > tag::latest_version) {
            return fail(errc::v8_unsupported, 1,
                        "V8 serialization version " + std::to_string(version) + " (versions 13 to 15 are read)");
        }
        return true;
    }

    bool enter(std::size_t depth, std::size_t at) {
        if (depth < max_depth_) return true;
        return fail(errc::v8_unsupported, at, "values nested deeper than " + std::to_string(max_depth_) + " levels");
    }

    std::size_t add_object() {
        objects_.push_back({out_.size(), 0, ObjectSlot::Where::building});
        return objects_.size() - 1;
    }
    void complete(std::size_t id) {
        objects_[id].end = out_.size();
        objects_[id].where = ObjectSlot::Where::out;
    }

    // A 32-bit container header whose count is written once known.
    std::size_t begin_container(unsigned char type) {
        const std::size_t at = out_.size();
        const char h[5] = {static_cast<char>(type), 0, 0, 0, 0};
        out_.append(h, sizeof h);
        return at;
    }
    void patch_u32(std::size_t at, std::uint64_t v) {
        for (std::size_t i = 0; i < 4; ++i) out_[at + i] = static_cast<char>(v >> (24 - 8 * i));
    }

    void write_undefined() { out_.append("\xC7\x00\x01", 3); }

    bool value(std::size_t depth) {
        unsigned char t = 0;
        std::size_t at = 0;
        if (!value_tag(t, at)) return false;
        switch (t) {
            case tag::undefined: write_undefined(); return true;
            case tag::null: packer_.pack_nil(); return true;
            case tag::true_value: packer_.pack_true(); return true;
            case tag::false_value: packer_.pack_false(); return true;
            case tag::int32: {
                std::uint32_t zigzag = 0;
                if (!varint32(zigzag)) return false;
                packer_.pack_int64(static_cast<std::int64_t>(zigzag >> 1) ^ -static_cast<std::int64_t>(zigzag & 1));
                return true;
            }
            case tag::uint32: {
                std::uint32_t v = 0;
                if (!varint32(v)) return false;
                packer_.pack_uint64(v);
                return true;
            }
            case tag::number: {
                double d = 0;
                if (!read_double(d)) return false;
                append_number_as_msgpack(d, out_);
                return true;
            }
            case tag::bigint: return bigint();
            case tag::one_byte_string:
            case tag::two_byte_string:
            case tag::utf8_string: return string_value(t, at);
            case tag::object_reference: return back_reference(at);
            case tag::begin_object: return object(depth, at);
            case tag::begin_dense_array: return dense_array(depth, at);
            case tag::begin_sparse_array: return sparse_array(depth, at);
            case tag::begin_map: return map(depth, at);
            case tag::begin_set: return set(depth, at);
            case tag::date: return date();
            case tag::host_object: return host_object(depth, at);
            case tag::the_hole: return fail(errc::v8_malformed, at, "an array hole outside an array");
            default:
                if (const char* name = unsupported_type_name(t)) {
                    return fail(errc::v8_unsupported, at, std::string("unsupported V8 type ") + name + " (tag " + tag_text(t) + ")");
                }
                return fail(errc::v8_malformed, at, "unknown V8 tag " + tag_text(t));
        }
    }

    bool string_bytes(unsigned char encoding, std::size_t at, RawString& s) {
        std::uint32_t length = 0;
        if (!varint32(length) || !need(length)) return false;
        s = {encoding, std::string_view(reinterpret_cast<const char*>(p_), length)};
        if (encoding == tag::two_byte_string && length % 2 != 0) {
            return fail(errc::v8_malformed, at, "a two-byte string of odd length " + std::to_string(length));
        }
        if (encoding == tag::utf8_string) {
            for (std::size_t i = 0; i < length;) {
                if (p_[i] < 0x80) {
                    ++i;
                    continue;
                }
                const std::size_t n = utf8_sequence_length(p_ + i, p_ + length, true);
                if (n == 0) return fail(errc::invalid_utf8, offset() + i, "invalid UTF-8 in a V8 UTF-8 string");
                // A lone surrogate may stand in its 3-byte form; a pair in that form (CESU-8) would
                // read back as one 4-byte character, so it is refused.
                if (n == 3 && p_[i] == 0xED && p_[i + 1] >= 0xA0 && p_[i + 1] <= 0xAF && i + 5 < length &&
                    p_[i + 3] == 0xED && p_[i + 4] >= 0xB0) {
                    return fail(errc::invalid_utf8, offset() + i, "a surrogate pair in CESU-8 form in a V8 UTF-8 string");
                }
                i += n;
            }
        }
        p_ += length;
        return true;
    }

    bool string_value(unsigned char encoding, std::size_t at) {
        RawString s{};
        if (!string_bytes(encoding, at, s)) return false;
        const std::size_t size = s.utf8_length();
        if (!room(size + 5)) return false;
        packer_.pack_str(static_cast<std::uint32_t>(size));
        s.append_utf8_to(out_);
        return true;
    }

    bool bigint() {
        std::uint32_t bitfield = 0;
        if (!varint32(bitfield)) return false;
        const bool negative = (bitfield & 1) != 0;
        const std::size_t length = (bitfield >> 1) & 0x3FFFFFFF;
        if (!need(length)) return false;
        const unsigned char* digits = p_;  // little-endian
        p_ += length;
        std::size_t significant = length;
        while (significant > 0 && digits[significant - 1] == 0) --significant;
        if (significant <= 8) {
            std::uint64_t magnitude = 0;
            for (std::size_t i = significant; i-- > 0;) magnitude = (magnitude << 8) | digits[i];
            constexpr std::uint64_t int64_min_magnitude = std::uint64_t{1} << 63;
            if (!negative || magnitude == 0) {
                packer_.pack_uint64(magnitude);
                return true;
            }
            if (magnitude <= int64_min_magnitude) {
                packer_.pack_int64(static_cast<std::int64_t>(0 - magnitude));  // two's complement
                return true;
            }
        }
        packer_.pack_ext(1 + significant, v8_ext::bigint);
        out_.push_back(negative ? 1 : 0);
        for (std::size_t i = significant; i-- > 0;) out_.push_back(static_cast<char>(digits[i]));
        return true;
    }

    bool back_reference(std::size_t at) {
        std::uint32_t id = 0;
        if (!varint32(id)) return false;
        if (id >= objects_.size()) {
            return fail(errc::v8_malformed, at,
                        "a reference to object " + std::to_string(id) + " of " + std::to_string(objects_.size()));
        }
        const ObjectSlot slot = objects_[id];
        if (slot.where == ObjectSlot::Where::building) {
            return fail(errc::v8_unsupported, at, "a cyclic reference (object " + std::to_string(id) + " contains itself)");
        }
        const std::size_t length = slot.end - slot.begin;
        if (!room(length)) return false;
        out_.reserve(out_.size() + length);  // before taking a pointer into out_ itself
        const std::string& from = slot.where == ObjectSlot::Where::out ? out_ : side_;
        out_.append(from.data() + slot.begin, length);
        return true;
    }

    // A property key, always a string on the JavaScript side: V8 writes array indexes as numbers.
    bool key(Key& k) {
        unsigned char t = 0;
        if (!value_tag(t, k.at)) return false;
        key_text_.clear();
        k.is_index = false;
        switch (t) {
            case tag::one_byte_string:
            case tag::two_byte_string:
            case tag::utf8_string: {
                RawString s{};
                if (!string_bytes(t, k.at, s)) return false;
                s.append_utf8_to(key_text_);
                k.is_index = canonical_index(key_text_, k.index);
                return true;
            }
            case tag::int32:
            case tag::uint32: {
                std::uint32_t v = 0;
                if (!varint32(v)) return false;
                const std::int64_t n = t == tag::uint32 ? std::int64_t{v}
                                                         : (static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1));
                append_decimal(n, key_text_);
                k.is_index = n >= 0 && static_cast<std::uint64_t>(n) <= tag::max_array_index;
                k.index = static_cast<std::uint64_t>(n);
                return true;
            }
            case tag::number: {
                double d = 0;
                if (!read_double(d)) return false;
                // String(d): append_js_double writes JSON's null for these.
                if (std::isnan(d)) {
                    key_text_ = "NaN";
                } else if (std::isinf(d)) {
                    key_text_ = d > 0 ? "Infinity" : "-Infinity";
                } else {
                    append_js_double(d, key_text_);
                }
                k.is_index = canonical_index(key_text_, k.index);
                return true;
            }
            default:
                return fail(errc::v8_malformed, k.at, "a property key with tag " + tag_text(t) + " (keys are strings or numbers)");
        }
    }

    void write_key_text() {
        packer_.pack_str(static_cast<std::uint32_t>(key_text_.size()));
        keys_.emplace_back(out_.size(), key_text_.size());
        out_ += key_text_;
    }

    // V8 refuses an object that defines a property twice (1 and "1" are the same key).
    bool unique_keys(std::size_t first, std::size_t at) {
        std::string repeated;
        if (tag::pop_unique_keys(keys_, first, out_, repeated)) return true;
        return fail(errc::v8_malformed, at, "an object with the key \"" + repeated + "\" twice");
    }

    bool count_matches(const char* what, std::uint64_t actual, std::size_t at) {
        std::uint32_t declared = 0;
        if (!varint32(declared)) return false;
        if (declared == actual) return true;
        return fail(errc::v8_malformed, at,
                    std::string(what) + " declares " + std::to_string(declared) + " but has " + std::to_string(actual));
    }

    bool object(std::size_t depth, std::size_t at) {
        if (!enter(depth, at)) return false;
        const std::size_t id = add_object();
        const std::size_t header = begin_container(0xDF);
        const std::size_t first_key = keys_.size();
        std::uint64_t count = 0;
        for (unsigned char t = 0; peek_tag(t) && t != tag::end_object; ++count) {
            Key k;
            if (!key(k)) return false;
            write_key_text();
            if (!value(depth + 1)) return false;
        }
        if (ec_) return false;
        ++p_;
        if (!count_matches("an object", count, at)) return false;
        patch_u32(header + 1, count);
        if (!unique_keys(first_key, at)) return false;
        complete(id);
        return true;
    }

    // A named property of an array: JavaScript arrays can have them; msgpack arrays cannot, so the
    // value is read and dropped, as JSON.stringify drops it. Objects inside it stay referable.
    bool dropped_value(std::size_t depth) {
        const std::size_t begin = out_.size();
        const std::size_t first_id = objects_.size();
        if (!value(depth + 1)) return false;
        if (first_id != objects_.size()) {
            const std::size_t side_begin = side_.size();
            side_.append(out_, begin, std::string::npos);
            for (std::size_t id = first_id; id < objects_.size(); ++id) {
                ObjectSlot& slot = objects_[id];
                if (slot.where != ObjectSlot::Where::out) continue;
                slot.begin = slot.begin - begin + side_begin;
                slot.end = slot.end - begin + side_begin;
                slot.where = ObjectSlot::Where::side;
            }
        }
        dropped_ += out_.size() - begin;
        out_.resize(begin);
        return true;
    }

    bool dense_array(std::size_t depth, std::size_t at) {
        if (!enter(depth, at)) return false;
        std::uint32_t length = 0;
        if (!varint32(length)) return false;
        if (length > remaining()) {  // every element takes a byte at least
            return fail(errc::v8_malformed, at,
                        "a dense array of " + std::to_string(length) + " elements in " + std::to_string(remaining()) + " bytes");
        }
        const std::size_t id = add_object();
        packer_.pack_array(length);
        for (std::uint32_t i = 0; i < length; ++i) {
            unsigned char t = 0;
            if (!peek_tag(t)) return false;
            if (t == tag::the_hole) {
                ++p_;
                write_undefined();
            } else if (!value(depth + 1)) {
                return false;
            }
        }
        std::uint64_t properties = 0;
        for (unsigned char t = 0; peek_tag(t) && t != tag::end_dense_array; ++properties) {
            Key k;
            if (!key(k)) return false;
            if (k.is_index) {
                return fail(errc::v8_unsupported, k.at, "an element index written as a property of a dense array");
            }
            if (!dropped_value(depth)) return false;
        }
        if (ec_) return false;
        ++p_;
        if (!count_matches("a dense array's property count", properties, at) ||
            !count_matches("a dense array's length", length, at)) {
            return false;
        }
        complete(id);
        return true;
    }

    bool holes(std::uint64_t n) {
        if (!room(3 * n)) return false;
        for (std::uint64_t i = 0; i < n; ++i) write_undefined();
        return true;
    }

    bool sparse_array(std::size_t depth, std::size_t at) {
        if (!enter(depth, at)) return false;
        std::uint32_t length = 0;
        if (!varint32(length)) return false;
        const std::size_t id = add_object();
        packer_.pack_array(length);
        std::uint64_t next = 0;
        std::uint64_t properties = 0;
        for (unsigned char t = 0; peek_tag(t) && t != tag::end_sparse_array; ++properties) {
            Key k;
            if (!key(k)) return false;
            if (!k.is_index) {
                if (!dropped_value(depth)) return false;
                continue;
            }
            if (k.index >= length) {
                return fail(errc::v8_malformed, k.at,
                            "element " + std::to_string(k.index) + " of a sparse array of length " + std::to_string(length));
            }
            if (k.index < next) {  // V8 writes them in ascending order
                return fail(errc::v8_unsupported, k.at,
                            "sparse array elements out of order (" + std::to_string(k.index) + " after " +
                                std::to_string(next - 1) + ")");
            }
            if (!holes(k.index - next) || !value(depth + 1)) return false;
            next = k.index + 1;
        }
        if (ec_) return false;
        ++p_;
        if (!count_matches("a sparse array's property count", properties, at) ||
            !count_matches("a sparse array's length", length, at) || !holes(length - next)) {
            return false;
        }
        complete(id);
        return true;
    }

    bool map(std::size_t depth, std::size_t at) {
        if (!enter(depth, at)) return false;
        const std::size_t id = add_object();
        const std::size_t header = begin_container(0xDF);
        std::uint64_t entries = 0;
        for (unsigned char t = 0; peek_tag(t) && t != tag::end_map; ++entries) {
            if (!value(depth + 1) || !value(depth + 1)) return false;
        }
        if (ec_) return false;
        ++p_;
        // The count is of keys and values together.
        if (!count_matches("a Map", 2 * entries, at)) return false;
        patch_u32(header + 1, entries);
        complete(id);
        return true;
    }

    bool set(std::size_t depth, std::size_t at) {
        if (!enter(depth, at)) return false;
        const std::size_t id = add_object();
        // ext32 (its length patched at the end) holding an array32.
        const std::size_t ext = out_.size();
        const char ext_header[6] = {static_cast<char>(0xC9), 0, 0, 0, 0, static_cast<char>(v8_ext::set)};
        out_.append(ext_header, sizeof ext_header);
        begin_container(0xDD);
        std::uint64_t members = 0;
        for (unsigned char t = 0; peek_tag(t) && t != tag::end_set; ++members) {
            if (!value(depth + 1)) return false;
        }
        if (ec_) return false;
        ++p_;
        if (!count_matches("a Set", members, at)) return false;
        shrink_set_headers(ext, id, members);
        complete(id);
        return true;
    }

    // A Set's ext and array headers in their smallest forms, as msgpack-c would write them: the
    // ext's data is compared as bytes, so it must not depend on how the decoder made it.
    void shrink_set_headers(std::size_t ext, std::size_t id, std::uint64_t members) {
        constexpr std::size_t old_size = 6 + 5;  // ext32 + array32
        const std::size_t body = ext + old_size;
        std::string header;
        Sink sink{&header};
        msgpack::packer<Sink> packer(sink);
        packer.pack_array(static_cast<std::uint32_t>(members));
        const std::size_t data_size = header.size() + (out_.size() - body);
        const std::string array_header = header;
        header.clear();
        packer.pack_ext(data_size, v8_ext::set);
        header += array_header;
        const std::size_t shift = old_size - header.size();
        std::memmove(&out_[ext + header.size()], &out_[body], out_.size() - body);
        std::memcpy(&out_[ext], header.data(), header.size());
        out_.resize(out_.size() - shift);
        for (std::size_t inner = id + 1; inner < objects_.size(); ++inner) {
            ObjectSlot& slot = objects_[inner];
            if (slot.where != ObjectSlot::Where::out) continue;
            slot.begin -= shift;
            slot.end -= shift;
        }
    }

    // msgpack's timestamp in its smallest form; an invalid Date is null, as JSON.stringify writes it.
    void write_date(double ms) {
        if (!std::isfinite(ms) || std::fabs(ms) > tag::max_date_ms) {
            packer_.pack_nil();
            return;
        }
        const auto millis = static_cast<std::int64_t>(std::trunc(ms));  // as a Date keeps it
        std::int64_t seconds = millis / 1000;
        std::int64_t rest = millis % 1000;
        if (rest < 0) {
            --seconds;
            rest += 1000;
        }
        const auto nanoseconds = static_cast<std::uint32_t>(rest * 1000000);
        char bytes[15];
        std::size_t n = 0;
        const auto be = [&](std::uint64_t v, int size) {
            for (int i = size - 1; i >= 0; --i) bytes[n++] = static_cast<char>(v >> (8 * i));
        };
        if (nanoseconds == 0 && seconds >= 0 && seconds <= 0xFFFFFFFFLL) {
            bytes[n++] = static_cast<char>(0xD6);
            bytes[n++] = static_cast<char>(v8_ext::timestamp);
            be(static_cast<std::uint64_t>(seconds), 4);
        } else if (seconds >= 0 && seconds < (std::int64_t{1} << 34)) {
            bytes[n++] = static_cast<char>(0xD7);
            bytes[n++] = static_cast<char>(v8_ext::timestamp);
            be((std::uint64_t{nanoseconds} << 34) | static_cast<std::uint64_t>(seconds), 8);
        } else {
            bytes[n++] = static_cast<char>(0xC7);
            bytes[n++] = 12;
            bytes[n++] = static_cast<char>(v8_ext::timestamp);
            be(nanoseconds, 4);
            be(static_cast<std::uint64_t>(seconds), 8);
        }
        out_.append(bytes, n);
    }

    bool date() {
        double ms = 0;
        if (!read_double(ms)) return false;
        const std::size_t id = add_object();
        write_date(ms);
        complete(id);
        return true;
    }

    // Node's ChildProcessSerializer: kind 0 is a Buffer or typed array (type, byte length, bytes),
    // kind 1 any other host object, written as a plain copy of its properties.
    bool host_object(std::size_t depth, std::size_t at) {
        const std::size_t id = add_object();
        std::uint32_t kind = 0;
        if (!varint32(kind)) return false;
        if (kind == tag::host_other_object) {
            if (!enter(depth, at) || !value(depth + 1)) return false;
            complete(id);
            return true;
        }
        if (kind != tag::host_array_buffer_view) {
            return fail(errc::v8_malformed, at, "host object of kind " + std::to_string(kind) + " (Node writes 0 or 1)");
        }
        std::uint32_t type = 0;
        std::uint32_t length = 0;
        if (!varint32(type) || !varint32(length)) return false;
        if (type >= tag::view_type_count) {
            return fail(errc::v8_malformed, at, "host object of view type " + std::to_string(type) + " (Node knows 0 to 12)");
        }
        if (length % tag::view_element_size[type] != 0) {
            return fail(errc::v8_malformed, at,
                        "a typed array of " + std::to_string(length) + " bytes, not a multiple of its element size " +
                            std::to_string(tag::view_element_size[type]));
        }
        if (!need(length)) return false;
        if (type == tag::view_buffer) {
            packer_.pack_bin(length);
        } else {
            packer_.pack_ext(length, static_cast<std::int8_t>(v8_ext::typed_array_base + type));
        }
        out_.append(reinterpret_cast<const char*>(p_), length);
        p_ += length;
        complete(id);
        return true;
    }

    const unsigned char* base_;
    const unsigned char* p_;
    const unsigned char* end_;
    std::string& out_;
    const std::size_t out_start_;
    std::string* detail_;
    std::size_t max_depth_;
    std::size_t max_output_;
    std::error_code ec_;
    Sink sink_{&out_};
    msgpack::packer<Sink> packer_{sink_};
    std::vector<ObjectSlot> objects_;                       // by V8 object id
    std::string side_;                                      // objects read inside dropped values
    std::size_t dropped_ = 0;                               // output bytes made, then dropped
    tag::KeyRanges keys_;  // open objects' keys in out_
    std::string key_text_;
};

}  // namespace v8_decoding

std::error_code v8_to_msgpack(std::string_view message, std::string& out, std::string* detail,
                              const V8DecodeLimits& limits) {
    return v8_decoding::Decoder(message, out, detail, limits).run();
}

}  // namespace ipcxx::detail
