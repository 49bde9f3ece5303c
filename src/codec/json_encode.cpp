// msgpack -> JSON.stringify text, walking the msgpack bytes directly.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "codec/js_number.hpp"
#include "codec/json_string.hpp"
#include "codec/json_wire.hpp"
#include "codec/msgpack_reader.hpp"
#include "ipcxx/error.hpp"

namespace ipcxx::detail {
namespace {

// Deeper values are refused: the decoder does not accept them either, and it bounds recursion.
constexpr int max_depth = 512;
// Sort key of a map key that is not an array index: after every index, insertion order kept.
constexpr std::uint64_t not_an_index = UINT64_MAX;

struct MapEntry {
    std::size_t begin;  // offset in `out` of the entry's key
    std::size_t end;    // offset in `out` just past the entry's value; set when reordering
    std::uint64_t sort_key;
};

// Reused across calls so that reordering keys does not allocate in steady state.
thread_local std::vector<MapEntry> map_entries;
thread_local std::string reorder_buffer;

// JS orders canonical array-index keys ("0", "17"; < 2^32 - 1) first, ascending.
std::uint64_t index_sort_key(std::string_view key) noexcept {
    if (key.empty() || key.size() > 10 || (key[0] == '0' && key.size() > 1)) return not_an_index;
    std::uint64_t v = 0;
    for (char c : key) {
        if (c < '0' || c > '9') return not_an_index;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v < 0xFFFFFFFFULL ? v : not_an_index;
}

class Writer {
public:
    Writer(std::string_view in, std::string& out, std::string* detail) : in_(in, detail), out_(out) {}

    std::error_code write_one() {
        if (value(0) && !in_.at_end()) in_.fail(errc::invalid_argument, "trailing bytes after the msgpack value");
        return in_.error();
    }

private:
    bool string(std::size_t len, const char* where) {
        if (!in_.need(len)) return false;
        const std::string_view s(reinterpret_cast<const char*>(in_.position()), len);
        const std::size_t bad = append_json_string(s, out_);
        in_.advance(static_cast<std::ptrdiff_t>(bad));
        return bad == len || in_.fail(errc::invalid_utf8, where);
    }

    bool value(int depth) {
        if (!in_.need(1)) return false;
        const unsigned char t = in_.take();
        std::uint64_t n = 0;
        if (t <= 0x7F || t >= 0xE0) {
            append_decimal(static_cast<std::int64_t>(static_cast<std::int8_t>(t)), out_);
            return true;
        }
        if (t <= 0x8F) return map(t & 0x0F, depth);
        if (t <= 0x9F) return array(t & 0x0F, depth);
        if (t <= 0xBF) return string(t & 0x1F, "invalid UTF-8 in a string");
        switch (t) {
            case 0xC0: out_.append("null", 4); return true;
            case 0xC2: out_.append("false", 5); return true;
            case 0xC3: out_.append("true", 4); return true;
            case 0xC4: return in_.read_length(1, n) && bin(n);
            case 0xC5: return in_.read_length(2, n) && bin(n);
            case 0xC6: return in_.read_length(4, n) && bin(n);
            case 0xCA: case 0xCB: {
                double d = 0;
                if (!in_.read_float(t, d)) return false;
                append_js_double(d, out_);
                return true;
            }
            case 0xCC: case 0xCD: case 0xCE: case 0xCF: {
                std::uint64_t u = 0;
                if (!in_.read_unsigned(t, u)) return false;
                append_decimal(u, out_);
                return true;
            }
            case 0xD0: case 0xD1: case 0xD2: case 0xD3: {
                std::int64_t i = 0;
                if (!in_.read_signed(t, i)) return false;
                append_decimal(i, out_);
                return true;
            }
            case 0xD9: return in_.read_length(1, n) && string(n, "invalid UTF-8 in a string");
            case 0xDA: return in_.read_length(2, n) && string(n, "invalid UTF-8 in a string");
            case 0xDB: return in_.read_length(4, n) && string(n, "invalid UTF-8 in a string");
            case 0xDC: return in_.read_length(2, n) && array(n, depth);
            case 0xDD: return in_.read_length(4, n) && array(n, depth);
            case 0xDE: return in_.read_length(2, n) && map(n, depth);
            case 0xDF: return in_.read_length(4, n) && map(n, depth);
            case 0xC1: in_.advance(-1); return in_.fail(errc::invalid_argument, "invalid msgpack type byte 0xc1");
            default: in_.advance(-1); return in_.fail(errc::unsupported_value, "msgpack ext cannot be sent as JSON");
        }
    }

    // node-ipc sends a Buffer as Buffer.prototype.toJSON() gives it.
    bool bin(std::uint64_t len) {
        if (!in_.need(len)) return false;
        out_.append("{\"type\":\"Buffer\",\"data\":[", 25);
        for (std::uint64_t i = 0; i < len; ++i) {
            if (i) out_.push_back(',');
            append_decimal(static_cast<std::uint64_t>(in_.take()), out_);
        }
        out_.append("]}", 2);
        return true;
    }

    bool array(std::uint64_t count, int depth) {
        if (depth >= max_depth) return in_.fail(errc::unsupported_value, "msgpack nested deeper than 512");
        out_.push_back('[');
        for (std::uint64_t i = 0; i < count; ++i) {
            if (i) out_.push_back(',');
            if (!value(depth + 1)) return false;
        }
        out_.push_back(']');
        return true;
    }

    bool map(std::uint64_t count, int depth) {
        if (depth >= max_depth) return in_.fail(errc::unsupported_value, "msgpack nested deeper than 512");
        auto& entries = map_entries;
        const std::size_t first = entries.size();
        bool reorder = false;
        std::uint64_t last_key = 0;
        out_.push_back('{');
        for (std::uint64_t i = 0; i < count; ++i) {
            if (i) out_.push_back(',');
            const std::size_t entry_begin = out_.size();
            std::uint64_t sort_key = 0;
            if (!key(sort_key)) return entries.resize(first), false;
            // Out of JS order when an index follows a non-index or a larger index.
            reorder = reorder || (i > 0 && sort_key < last_key);
            last_key = sort_key;
            entries.push_back({entry_begin, 0, sort_key});
            out_.push_back(':');
            if (!value(depth + 1)) return entries.resize(first), false;
        }
        if (reorder) reorder_entries(first);
        entries.resize(first);
        out_.push_back('}');
        return true;
    }

    bool key(std::uint64_t& sort_key) {
        if (!in_.need(1)) return false;
        const unsigned char t = in_.peek();
        std::uint64_t len = 0;
        if (t >= 0xA0 && t <= 0xBF) {
            in_.advance(1);
            len = t & 0x1F;
        } else if (t >= 0xD9 && t <= 0xDB) {
            in_.advance(1);
            if (!in_.read_length(std::size_t{1} << (t - 0xD9), len)) return false;
        } else if (t <= 0x7F || t >= 0xE0 || (t >= 0xCC && t <= 0xD3)) {
            // Integer keys become their decimal string, like a JS property name.
            const std::size_t start = out_.size();
            out_.push_back('"');
            if (!value(0)) return false;
            out_.push_back('"');
            sort_key = index_sort_key(std::string_view(out_).substr(start + 1, out_.size() - start - 2));
            return true;
        } else {
            return in_.fail(errc::unsupported_value, "map key is neither a string nor an integer");
        }
        if (!in_.need(len)) return false;
        sort_key = index_sort_key(std::string_view(reinterpret_cast<const char*>(in_.position()), len));
        return string(len, "invalid UTF-8 in a map key");
    }

    // Rewrites the entries of the map being closed in JS property order (rare: only when needed).
    void reorder_entries(std::size_t first) {
        auto& entries = map_entries;
        const auto begin = entries.begin() + static_cast<std::ptrdiff_t>(first);
        const std::size_t map_begin = begin->begin;
        // An entry ends where the next one's comma is, the last one at the end of `out`.
        for (std::size_t i = first; i < entries.size(); ++i) {
            entries[i].end = i + 1 < entries.size() ? entries[i + 1].begin - 1 : out_.size();
        }
        std::sort(begin, entries.end(), [](const MapEntry& a, const MapEntry& b) {
            return a.sort_key != b.sort_key ? a.sort_key < b.sort_key : a.begin < b.begin;
        });
        std::string& tmp = reorder_buffer;
        tmp.clear();
        for (auto it = begin; it != entries.end(); ++it) {
            if (it != begin) tmp.push_back(',');
            tmp.append(out_, it->begin, it->end - it->begin);
        }
        out_.replace(map_begin, out_.size() - map_begin, tmp);
    }

    MsgpackReader in_;
    std::string& out_;
};

}  // namespace

std::error_code append_json_value(std::string_view msgpack_value, std::string& out, std::string* detail) {
    const std::size_t old_size = out.size();
    const std::error_code ec = Writer(msgpack_value, out, detail).write_one();
    if (ec) out.resize(old_size);
    return ec;
}

std::error_code encode_json_frame(std::string_view event, std::string_view msgpack_data,
                                  std::string_view delimiter, std::string& out, std::string* detail) {
    const std::size_t old_size = out.size();
    out.append("{\"type\":", 8);
    const std::size_t bad = append_json_string(event, out);
    if (bad != event.size()) {
        out.resize(old_size);
        if (detail) *detail = "invalid UTF-8 in the event name at byte " + std::to_string(bad);
        return make_error_code(errc::invalid_utf8);
    }
    out.append(",\"data\":", 8);
    if (msgpack_data.empty()) {
        out.append("{}", 2);
    } else if (const std::error_code ec = Writer(msgpack_data, out, detail).write_one()) {
        out.resize(old_size);
        return ec;
    }
    out.push_back('}');
    // JSON text never holds a raw control character, so a delimiter starting with one (the default
    // "\f", "\r\n") cannot occur inside a frame; any other could, and would cut the frame apart.
    if (!delimiter.empty() && static_cast<unsigned char>(delimiter[0]) >= 0x20 &&
        std::string_view(out).substr(old_size).find(delimiter) != std::string_view::npos) {
        out.resize(old_size);
        if (detail) *detail = "the frame's JSON text contains the delimiter, which would split it on the wire";
        return make_error_code(errc::invalid_argument);
    }
    out.append(delimiter.data(), delimiter.size());
    return {};
}

}  // namespace ipcxx::detail
