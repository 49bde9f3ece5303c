// Bytes in memory of their own that can change hands without a copy: a large frame read into one
// becomes a payload's bytes by a swap. Growing does not zero-fill, unlike std::string's resize.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>
#include <utility>

namespace ipcxx::detail {

class ByteBuffer {
public:
    ByteBuffer() = default;
    explicit ByteBuffer(std::string_view b) { assign(b); }

    // Memory for at least `n` bytes, empty; what it held is not kept.
    char* reset_for(std::size_t n) {
        if (n > capacity_) {
            capacity_ = std::max(n, 2 * capacity_);
            memory_.reset(new char[capacity_]);
        }
        offset_ = size_ = 0;
        return memory_.get();
    }
    // Memory for at least `n` bytes, keeping the first `keep` bytes of the memory.
    char* grow_to(std::size_t n, std::size_t keep) {
        if (n > capacity_) {
            std::unique_ptr<char[]> larger(new char[n]);
            if (keep != 0) std::memcpy(larger.get(), memory_.get(), keep);
            memory_ = std::move(larger);
            capacity_ = n;
        }
        return memory_.get();
    }
    void assign(std::string_view b) {
        reset_for(b.size());
        if (!b.empty()) std::memcpy(memory_.get(), b.data(), b.size());
        size_ = b.size();
    }
    // Makes `part`, which lies in this buffer's memory, the content.
    void narrow_to(std::string_view part) noexcept {
        offset_ = static_cast<std::size_t>(part.data() - memory_.get());
        size_ = part.size();
    }
    void swap(ByteBuffer& other) noexcept {
        std::swap(memory_, other.memory_);
        std::swap(capacity_, other.capacity_);
        std::swap(offset_, other.offset_);
        std::swap(size_, other.size_);
    }

    char* memory() noexcept { return memory_.get(); }
    std::size_t capacity() const noexcept { return capacity_; }
    const char* data() const noexcept { return memory_.get() + offset_; }
    std::size_t size() const noexcept { return size_; }
    operator std::string_view() const noexcept { return {data(), size_}; }

private:
    std::unique_ptr<char[]> memory_;
    std::size_t capacity_ = 0;
    std::size_t offset_ = 0;
    std::size_t size_ = 0;
};

}  // namespace ipcxx::detail
