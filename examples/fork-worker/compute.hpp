// What fork-worker computes: the sum of 0..N-1 for a request's data {"n": N}, in closed form (it
// stands for real work), checked and formatted for a JSON peer.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include <msgpack.hpp>

namespace fork_worker {

// Either `result` (the JSON text {"n":N,"sum":S}) or `error` (what was wrong with the request).
struct Answer {
    std::string result;
    std::string error;
};

// The largest integer a JSON peer such as Node reads exactly (2^53).
constexpr std::uint64_t max_exact_integer = std::uint64_t{1} << 53;

inline std::string decimal(unsigned __int128 value) {
    std::string digits;
    do {
        digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(value % 10)));
        value /= 10;
    } while (value != 0);
    return digits;
}

// N from the msgpack value of "n": a non-negative integer, also when it came as a JSON number with
// an exponent (1e3, which a JSON decoder may give as a double).
inline bool whole_number(const msgpack::object& n, std::uint64_t& out) {
    if (n.type == msgpack::type::POSITIVE_INTEGER) {
        out = n.via.u64;
        return true;
    }
    if (n.type == msgpack::type::FLOAT64 || n.type == msgpack::type::FLOAT32) {
        const double value = n.via.f64;
        // 2^64 exactly is the first double past uint64_t.
        if (!(value >= 0 && value < 18446744073709551616.0) || std::floor(value) != value) return false;
        out = static_cast<std::uint64_t>(value);
        return true;
    }
    return false;
}

// The member `key` of a JSON object (a msgpack map), or null.
inline const msgpack::object* member(const msgpack::object& object, std::string_view key) {
    if (object.type != msgpack::type::MAP) return nullptr;
    for (std::uint32_t i = 0; i < object.via.map.size; ++i) {
        const msgpack::object_kv& kv = object.via.map.ptr[i];
        if (kv.key.type == msgpack::type::STR && std::string_view(kv.key.via.str.ptr, kv.key.via.str.size) == key) {
            return &kv.val;
        }
    }
    return nullptr;
}

inline Answer compute(const msgpack::object& data) {
    const msgpack::object* n = member(data, "n");
    if (n == nullptr) return {{}, "compute: data must be an object with n"};
    std::uint64_t count = 0;
    if (!whole_number(*n, count)) return {{}, "compute: n must be a non-negative integer"};
    const unsigned __int128 sum = static_cast<unsigned __int128>(count) * (count == 0 ? 0 : count - 1) / 2;
    // Past 2^53 a JSON number would reach Node rounded: the exact value goes as a decimal string.
    const std::string sum_json = sum <= max_exact_integer ? decimal(sum) : '"' + decimal(sum) + '"';
    return {"{\"n\":" + decimal(count) + ",\"sum\":" + sum_json + "}", {}};
}

}  // namespace fork_worker
