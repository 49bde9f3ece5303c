// Equality of msgpack values for tests, exact or as a JSON round trip sees them. msgpack-c's own
// operator== passes a null pointer to memcmp for empty strings and compares NaN unequal to itself.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include <msgpack.hpp>

namespace test {

// JavaScript's property order, which encode_json_frame imposes: canonical array-index keys
// ("0".."4294967294") first in ascending order, then the others in their order.
inline std::uint64_t js_key_rank(const msgpack::object& key) {
    constexpr std::uint64_t not_an_index = UINT64_MAX;
    if (key.type != msgpack::type::STR) return not_an_index;
    const std::string_view s(key.via.str.ptr, key.via.str.size);
    if (s.empty() || s.size() > 10 || (s[0] == '0' && s.size() > 1)) return not_an_index;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return not_an_index;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v < 0xFFFFFFFFULL ? v : not_an_index;
}

// An integer and a float64 that are the same JavaScript number. JSON.stringify writes an integral
// double below 1e21 as its shortest digits padded with zeros (1e19 as "10000000000000000000",
// -922337203685477632 as "-922337203685477600"), and the decoder makes an int of every integer
// literal that fits 64 bits: that int rounds to the double, nothing more.
inline bool same_json_number(const msgpack::object& i, const msgpack::object& f) {
    if (f.type != msgpack::type::FLOAT64) return false;
    if (i.type == msgpack::type::POSITIVE_INTEGER) return static_cast<double>(i.via.u64) == f.via.f64;
    return i.type == msgpack::type::NEGATIVE_INTEGER && static_cast<double>(i.via.i64) == f.via.f64;
}

// Structural equality of two msgpack values; floats compare by bits (NaN equals itself). With
// `json`, as JSON sees them: map entries in JavaScript property order (what a JSON round trip does
// to them), and integers equal to float64s of the same value.
inline bool same_value(const msgpack::object& a, const msgpack::object& b, bool json) {
    if (json && (same_json_number(a, b) || same_json_number(b, a))) return true;
    if (a.type != b.type) return false;
    switch (a.type) {
        case msgpack::type::NIL: return true;
        case msgpack::type::BOOLEAN: return a.via.boolean == b.via.boolean;
        case msgpack::type::POSITIVE_INTEGER: return a.via.u64 == b.via.u64;
        case msgpack::type::NEGATIVE_INTEGER: return a.via.i64 == b.via.i64;
        case msgpack::type::FLOAT32:
        case msgpack::type::FLOAT64: return std::memcmp(&a.via.f64, &b.via.f64, sizeof(double)) == 0;
        case msgpack::type::STR:
            return std::string_view(a.via.str.ptr, a.via.str.size) == std::string_view(b.via.str.ptr, b.via.str.size);
        case msgpack::type::BIN:
            return std::string_view(a.via.bin.ptr, a.via.bin.size) == std::string_view(b.via.bin.ptr, b.via.bin.size);
        case msgpack::type::EXT:  // ptr points at the type byte
            return std::string_view(a.via.ext.ptr, a.via.ext.size + 1) ==
                   std::string_view(b.via.ext.ptr, b.via.ext.size + 1);
        case msgpack::type::ARRAY:
            if (a.via.array.size != b.via.array.size) return false;
            for (std::uint32_t i = 0; i < a.via.array.size; ++i) {
                if (!same_value(a.via.array.ptr[i], b.via.array.ptr[i], json)) return false;
            }
            return true;
        case msgpack::type::MAP: {
            if (a.via.map.size != b.via.map.size) return false;
            auto order = [&](const msgpack::object& m) {
                std::vector<const msgpack::object_kv*> kvs;
                for (std::uint32_t i = 0; i < m.via.map.size; ++i) kvs.push_back(&m.via.map.ptr[i]);
                if (json) {
                    std::stable_sort(kvs.begin(), kvs.end(), [](const auto* x, const auto* y) {
                        return js_key_rank(x->key) < js_key_rank(y->key);
                    });
                }
                return kvs;
            };
            const auto ka = order(a);
            const auto kb = order(b);
            for (std::size_t i = 0; i < ka.size(); ++i) {
                if (!same_value(ka[i]->key, kb[i]->key, json) ||
                    !same_value(ka[i]->val, kb[i]->val, json)) {
                    return false;
                }
            }
            return true;
        }
    }
    return false;
}

}  // namespace test
