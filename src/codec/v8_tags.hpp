// The parts of V8's ValueSerializer format (deps/v8/src/objects/value-serializer.cc) and of Node's
// host objects (lib/v8.js, lib/internal/child_process/serialization.js) that the codec reads and
// writes. Internal to the codec.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ipcxx::detail::v8_tag {

constexpr unsigned char version = 0xFF;
constexpr unsigned char padding = 0x00;
constexpr unsigned char verify_object_count = '?';
constexpr unsigned char the_hole = '-';
constexpr unsigned char undefined = '_';
constexpr unsigned char null = '0';
constexpr unsigned char true_value = 'T';
constexpr unsigned char false_value = 'F';
constexpr unsigned char int32 = 'I';
constexpr unsigned char uint32 = 'U';
constexpr unsigned char number = 'N';
constexpr unsigned char bigint = 'Z';
constexpr unsigned char utf8_string = 'S';
constexpr unsigned char one_byte_string = '"';
constexpr unsigned char two_byte_string = 'c';
constexpr unsigned char object_reference = '^';
constexpr unsigned char begin_object = 'o';
constexpr unsigned char end_object = '{';
constexpr unsigned char begin_sparse_array = 'a';
constexpr unsigned char end_sparse_array = '@';
constexpr unsigned char begin_dense_array = 'A';
constexpr unsigned char end_dense_array = '$';
constexpr unsigned char date = 'D';
constexpr unsigned char begin_map = ';';
constexpr unsigned char end_map = ':';
constexpr unsigned char begin_set = '\'';
constexpr unsigned char end_set = ',';
constexpr unsigned char host_object = '\\';

// The versions read: 13 gave host objects their tag; 15 is what Node 20 writes.
constexpr std::uint32_t oldest_version = 13;
constexpr std::uint32_t latest_version = 15;

// ChildProcessSerializer's first field of a host object.
constexpr std::uint32_t host_array_buffer_view = 0;
constexpr std::uint32_t host_other_object = 1;  // followed by the object's own properties as a value

// Node's DefaultSerializer view type indexes (arrayBufferViewTypeToIndex) and their element sizes.
constexpr std::uint32_t view_buffer = 10;
constexpr std::uint32_t view_type_count = 13;
constexpr std::size_t view_element_size[view_type_count] = {
    1,  // Int8Array
    1,  // Uint8Array
    1,  // Uint8ClampedArray
    2,  // Int16Array
    2,  // Uint16Array
    4,  // Int32Array
    4,  // Uint32Array
    4,  // Float32Array
    8,  // Float64Array
    1,  // DataView
    1,  // Buffer
    8,  // BigInt64Array
    8,  // BigUint64Array
};

// The largest array index (2^32 - 2) and the greatest valid Date, in milliseconds from the epoch.
constexpr std::uint64_t max_array_index = 0xFFFFFFFEULL;
constexpr double max_date_ms = 8.64e15;

// Where an open object's keys were written: offset and size in the output.
using KeyRanges = std::vector<std::pair<std::size_t, std::size_t>>;

// Checks that the keys from `first` on are all different (V8 refuses an object that has a property
// twice), then removes them. Returns false with one repeated key in `repeated`.
inline bool pop_unique_keys(KeyRanges& keys, std::size_t first, const std::string& text, std::string& repeated) {
    const auto view = [&text](const std::pair<std::size_t, std::size_t>& k) {
        return std::string_view(text.data() + k.first, k.second);
    };
    const auto begin = keys.begin() + static_cast<std::ptrdiff_t>(first);
    std::sort(begin, keys.end(), [&](const auto& a, const auto& b) { return view(a) < view(b); });
    const auto twice = std::adjacent_find(begin, keys.end(), [&](const auto& a, const auto& b) { return view(a) == view(b); });
    const bool unique = twice == keys.end();
    if (!unique) repeated = std::string(view(*twice));
    keys.resize(first);
    return unique;
}

}  // namespace ipcxx::detail::v8_tag
