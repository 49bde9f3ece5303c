// Reading msgpack bytes in place, for the encoders that walk them without building objects
// (json_encode, v8_encode): bounds-checked big-endian reads, the numbers of each msgpack type, and
// the first failure kept with the offset where it happened. (msgpack_raw's MsgpackCursor reads the
// protocol's own small structures, by status codes and without texts.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>

#include "ipcxx/error.hpp"

namespace ipcxx::detail {

class MsgpackReader {
public:
    // `detail`, when not null, receives the text of the first failure.
    MsgpackReader(std::string_view in, std::string* detail) noexcept
        : base_(reinterpret_cast<const unsigned char*>(in.data())), p_(base_), end_(base_ + in.size()),
          detail_(detail) {}

    const unsigned char* position() const noexcept { return p_; }
    bool at_end() const noexcept { return p_ == end_; }
    unsigned char peek() const noexcept { return *p_; }  // caller checked need(1)
    unsigned char take() noexcept { return *p_++; }      // caller checked need(1)
    // Moves by `n` bytes: forward over bytes checked with need(), or back to a byte already read.
    void advance(std::ptrdiff_t n) noexcept { p_ += n; }
    // Reads stop at `end` (inside the bytes, at or after the position) until it is set back: the
    // extent of a value nested in an ext. Returns the end it replaced.
    const unsigned char* limit(const unsigned char* end) noexcept {
        const unsigned char* const outer = end_;
        end_ = end;
        return outer;
    }

    std::error_code error() const noexcept { return ec_; }
    // Records the first failure (later ones add nothing); always false, to return at once.
    bool fail(errc e, std::string_view what) {
        if (ec_) return false;
        ec_ = make_error_code(e);
        if (detail_) {
            detail_->assign(what.data(), what.size());
            *detail_ += " at msgpack offset ";
            *detail_ += std::to_string(p_ - base_);
        }
        return false;
    }

    bool need(std::uint64_t n) {
        return static_cast<std::uint64_t>(end_ - p_) >= n || fail(errc::invalid_argument, "truncated msgpack");
    }
    // The next `n` bytes (at most 8) as a big-endian number; caller checked need(n).
    std::uint64_t be(std::size_t n) noexcept {
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < n; ++i) v = (v << 8) | p_[i];
        p_ += n;
        return v;
    }
    bool read_length(std::size_t n, std::uint64_t& length) {
        if (!need(n)) return false;
        length = be(n);
        return true;
    }

    // The numbers after their type byte `t`: float 32/64 (0xCA, 0xCB), uint 8-64 (0xCC-0xCF),
    // int 8-64 (0xD0-0xD3). False when the bytes are cut short.
    bool read_float(unsigned char t, double& value) {
        if (t == 0xCA) {
            if (!need(4)) return false;
            const auto bits = static_cast<std::uint32_t>(be(4));
            float f;
            std::memcpy(&f, &bits, sizeof f);
            value = static_cast<double>(f);
            return true;
        }
        if (!need(8)) return false;
        const std::uint64_t bits = be(8);
        std::memcpy(&value, &bits, sizeof value);
        return true;
    }
    bool read_unsigned(unsigned char t, std::uint64_t& value) {
        const std::size_t size = std::size_t{1} << (t - 0xCC);
        if (!need(size)) return false;
        value = be(size);
        return true;
    }
    bool read_signed(unsigned char t, std::int64_t& value) {
        const std::size_t size = std::size_t{1} << (t - 0xD0);
        if (!need(size)) return false;
        // Sign-extends the big-endian two's complement value.
        const unsigned shift = static_cast<unsigned>(64 - 8 * size);
        value = static_cast<std::int64_t>(be(size) << shift) >> shift;
        return true;
    }

private:
    const unsigned char* const base_;
    const unsigned char* p_;
    const unsigned char* end_;
    std::string* detail_;
    std::error_code ec_;
};

}  // namespace ipcxx::detail
