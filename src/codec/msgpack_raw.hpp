// Minimal msgpack reading and writing on raw bytes, for the protocol's own small structures
// (native frame bodies, hello/welcome, the JSON-wire request convention). Reading never allocates:
// strings and whole values come back as views into the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ipcxx::detail {

class MsgpackCursor {
public:
    enum class Status { ok, wrong_type, truncated, invalid };

    explicit MsgpackCursor(std::string_view bytes) noexcept : data_(bytes) {}

    bool at_end() const noexcept { return pos_ == data_.size(); }
    std::size_t offset() const noexcept { return pos_; }

    // Each read consumes the value only when it returns ok.
    Status read_array_header(std::uint64_t& count) noexcept;
    Status read_map_header(std::uint64_t& count) noexcept;
    // Any msgpack integer format holding a value >= 0 (encoders differ in the formats they pick).
    Status read_uint(std::uint64_t& value) noexcept;
    Status read_str(std::string_view& value) noexcept;
    // Skips one complete value of any type, nested or not, and returns its exact bytes.
    Status skip_value(std::string_view& raw) noexcept;

private:
    struct LengthTypes { int fix_low, fix_high, type8, type16, type32; };
    Status read_length_header(const LengthTypes& types, std::uint64_t& length) noexcept;
    Status skip_one_header(std::uint64_t& children) noexcept;
    bool has(std::uint64_t n) const noexcept { return data_.size() - pos_ >= n; }
    std::uint64_t read_be(std::size_t n) noexcept;

    std::string_view data_;
    std::size_t pos_ = 0;
};

// Writers with the smallest header that fits, as msgpack-c writes them.
void append_msgpack_uint(std::uint64_t value, std::string& out);
void append_msgpack_str(std::string_view value, std::string& out);  // value.size() < 2^32
void append_msgpack_array_header(std::uint32_t count, std::string& out);
void append_msgpack_map_header(std::uint32_t count, std::string& out);

// Encoded sizes, so that a caller can check a limit before writing anything.
std::size_t msgpack_uint_size(std::uint64_t value) noexcept;
std::size_t msgpack_str_size(std::size_t length) noexcept;
std::size_t msgpack_container_header_size(std::uint32_t count) noexcept;

}  // namespace ipcxx::detail
