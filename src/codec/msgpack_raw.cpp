#include "codec/msgpack_raw.hpp"

namespace ipcxx::detail {
namespace {

void append_be(std::uint64_t value, std::size_t n, std::string& out) {
    for (std::size_t i = n; i-- > 0;) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

void append_sized(unsigned char type, std::uint64_t value, std::size_t n, std::string& out) {
    out.push_back(static_cast<char>(type));
    append_be(value, n, out);
}

}  // namespace

std::uint64_t MsgpackCursor::read_be(std::size_t n) noexcept {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(data_[pos_ + i]);
    pos_ += n;
    return v;
}

// Reads a header whose length is in the type byte (fix_low..fix_high) or in the 1, 2 or 4 bytes
// after the type byte type8, type16 or type32 (-1: the family has no such form).
MsgpackCursor::Status MsgpackCursor::read_length_header(const LengthTypes& types, std::uint64_t& length) noexcept {
    if (!has(1)) return Status::truncated;
    const int t = static_cast<unsigned char>(data_[pos_]);
    if (t >= types.fix_low && t <= types.fix_high) {
        ++pos_;
        length = static_cast<std::uint64_t>(t - types.fix_low);
        return Status::ok;
    }
    const std::size_t size = t == types.type8 ? 1 : t == types.type16 ? 2 : t == types.type32 ? 4 : 0;
    if (size == 0) return Status::wrong_type;
    if (!has(1 + size)) return Status::truncated;
    ++pos_;
    length = read_be(size);
    return Status::ok;
}

MsgpackCursor::Status MsgpackCursor::read_array_header(std::uint64_t& count) noexcept {
    return read_length_header({0x90, 0x9F, -1, 0xDC, 0xDD}, count);
}

MsgpackCursor::Status MsgpackCursor::read_map_header(std::uint64_t& count) noexcept {
    return read_length_header({0x80, 0x8F, -1, 0xDE, 0xDF}, count);
}

MsgpackCursor::Status MsgpackCursor::read_str(std::string_view& value) noexcept {
    const std::size_t start = pos_;
    std::uint64_t length = 0;
    if (const Status s = read_length_header({0xA0, 0xBF, 0xD9, 0xDA, 0xDB}, length); s != Status::ok) return s;
    if (!has(length)) {
        pos_ = start;
        return Status::truncated;
    }
    value = data_.substr(pos_, length);
    pos_ += length;
    return Status::ok;
}

MsgpackCursor::Status MsgpackCursor::read_uint(std::uint64_t& value) noexcept {
    if (!has(1)) return Status::truncated;
    const auto t = static_cast<unsigned char>(data_[pos_]);
    if (t <= 0x7F) {
        ++pos_;
        value = t;
        return Status::ok;
    }
    std::size_t size = 0;
    bool is_signed = false;
    if (t >= 0xCC && t <= 0xCF) size = std::size_t{1} << (t - 0xCC);
    else if (t >= 0xD0 && t <= 0xD3) size = std::size_t{1} << (t - 0xD0), is_signed = true;
    else return Status::wrong_type;  // includes negative fixints
    if (!has(1 + size)) return Status::truncated;
    // A signed format is acceptable when its sign bit is clear.
    if (is_signed && (static_cast<unsigned char>(data_[pos_ + 1]) & 0x80)) return Status::wrong_type;
    ++pos_;
    value = read_be(size);
    return Status::ok;
}

namespace {

// What a type byte says about the value it starts, looked up rather than decided by a chain of
// comparisons: skipping is on the receive path of every message.
struct TagInfo {
    enum Kind : std::uint8_t { invalid, leaf, counted_array, counted_map, sized };
    Kind kind = invalid;
    std::uint8_t length_size = 0;  // bytes of a length field after the type byte
    std::uint8_t extra = 0;        // bytes between the length field and the payload (ext's type)
    std::uint8_t payload = 0;      // fixed payload bytes after the header (leaves)
    std::uint8_t children = 0;     // fixed number of nested values (fixarray, fixmap)
};

struct TagTable {
    TagInfo tags[256];
    constexpr TagTable() : tags() {
        for (int t = 0; t < 256; ++t) tags[t] = describe(t);
    }
    static constexpr TagInfo leaf(int payload) { return {TagInfo::leaf, 0, 0, static_cast<std::uint8_t>(payload), 0}; }
    static constexpr TagInfo sized(int length_size, int extra) {
        return {TagInfo::sized, static_cast<std::uint8_t>(length_size), static_cast<std::uint8_t>(extra), 0, 0};
    }
    static constexpr TagInfo describe(int t) {
        if (t <= 0x7F || t >= 0xE0 || t == 0xC0 || t == 0xC2 || t == 0xC3) return leaf(0);
        if (t <= 0x8F) return {TagInfo::leaf, 0, 0, 0, static_cast<std::uint8_t>(2 * (t & 0x0F))};
        if (t <= 0x9F) return {TagInfo::leaf, 0, 0, 0, static_cast<std::uint8_t>(t & 0x0F)};
        if (t <= 0xBF) return leaf(t & 0x1F);
        if (t == 0xC1) return {};
        if (t >= 0xC4 && t <= 0xC6) return sized(1 << (t - 0xC4), 0);  // bin 8/16/32
        if (t >= 0xC7 && t <= 0xC9) return sized(1 << (t - 0xC7), 1);  // ext 8/16/32
        if (t == 0xCA || t == 0xCB) return leaf(t == 0xCA ? 4 : 8);
        if (t >= 0xCC && t <= 0xCF) return leaf(1 << (t - 0xCC));
        if (t >= 0xD0 && t <= 0xD3) return leaf(1 << (t - 0xD0));
        if (t >= 0xD4 && t <= 0xD8) return leaf(1 + (1 << (t - 0xD4)));  // fixext 1..16
        if (t >= 0xD9 && t <= 0xDB) return sized(1 << (t - 0xD9), 0);    // str 8/16/32
        if (t == 0xDC || t == 0xDD) return {TagInfo::counted_array, static_cast<std::uint8_t>(t == 0xDC ? 2 : 4), 0, 0, 0};
        return {TagInfo::counted_map, static_cast<std::uint8_t>(t == 0xDE ? 2 : 4), 0, 0, 0};
    }
};

constexpr TagTable tag_table;

}  // namespace

MsgpackCursor::Status MsgpackCursor::skip_one_header(std::uint64_t& children) noexcept {
    if (!has(1)) return Status::truncated;
    const TagInfo& info = tag_table.tags[static_cast<unsigned char>(data_[pos_])];
    if (info.kind == TagInfo::invalid) return Status::invalid;
    if (!has(1 + std::size_t{info.length_size})) return Status::truncated;
    const std::size_t start = pos_++;
    children = info.children;
    std::uint64_t payload = info.payload;
    if (info.length_size > 0) {
        const std::uint64_t length = read_be(info.length_size);
        if (info.kind == TagInfo::counted_array) children = length;
        else if (info.kind == TagInfo::counted_map) children = 2 * length;
        else payload = info.extra + length;
    }
    if (!has(payload)) {
        pos_ = start;
        return Status::truncated;
    }
    pos_ += payload;
    return Status::ok;
}

MsgpackCursor::Status MsgpackCursor::skip_value(std::string_view& raw) noexcept {
    const std::size_t start = pos_;
    // Iterative, so that deep nesting cannot exhaust the stack.
    std::uint64_t pending = 1;
    while (pending > 0) {
        std::uint64_t children = 0;
        const Status s = skip_one_header(children);
        // Every value still owed needs at least one byte: a claim beyond the input is truncation.
        const bool overclaimed = s == Status::ok && pending - 1 + children > data_.size() - pos_;
        if (s != Status::ok || overclaimed) {
            pos_ = start;
            return s == Status::ok ? Status::truncated : s;
        }
        pending = pending - 1 + children;
    }
    raw = data_.substr(start, pos_ - start);
    return Status::ok;
}

void append_msgpack_uint(std::uint64_t value, std::string& out) {
    if (value <= 0x7F) out.push_back(static_cast<char>(value));
    else if (value <= 0xFF) append_sized(0xCC, value, 1, out);
    else if (value <= 0xFFFF) append_sized(0xCD, value, 2, out);
    else if (value <= 0xFFFFFFFF) append_sized(0xCE, value, 4, out);
    else append_sized(0xCF, value, 8, out);
}

void append_msgpack_str(std::string_view value, std::string& out) {
    const std::size_t n = value.size();
    if (n <= 31) out.push_back(static_cast<char>(0xA0 | n));
    else if (n <= 0xFF) append_sized(0xD9, n, 1, out);
    else if (n <= 0xFFFF) append_sized(0xDA, n, 2, out);
    else append_sized(0xDB, n, 4, out);
    out.append(value.data(), n);
}

void append_msgpack_array_header(std::uint32_t count, std::string& out) {
    if (count <= 15) out.push_back(static_cast<char>(0x90 | count));
    else if (count <= 0xFFFF) append_sized(0xDC, count, 2, out);
    else append_sized(0xDD, count, 4, out);
}

void append_msgpack_map_header(std::uint32_t count, std::string& out) {
    if (count <= 15) out.push_back(static_cast<char>(0x80 | count));
    else if (count <= 0xFFFF) append_sized(0xDE, count, 2, out);
    else append_sized(0xDF, count, 4, out);
}

std::size_t msgpack_uint_size(std::uint64_t value) noexcept {
    if (value <= 0x7F) return 1;
    if (value <= 0xFF) return 2;
    if (value <= 0xFFFF) return 3;
    if (value <= 0xFFFFFFFF) return 5;
    return 9;
}

std::size_t msgpack_str_size(std::size_t length) noexcept {
    if (length <= 31) return 1 + length;
    if (length <= 0xFF) return 2 + length;
    if (length <= 0xFFFF) return 3 + length;
    return 5 + length;
}

std::size_t msgpack_container_header_size(std::uint32_t count) noexcept {
    if (count <= 15) return 1;
    if (count <= 0xFFFF) return 3;
    return 5;
}

}  // namespace ipcxx::detail
