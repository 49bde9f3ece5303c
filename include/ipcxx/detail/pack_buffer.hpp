// The buffer values are packed into before they are sent, and the templates that pack into it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <msgpack.hpp>

namespace ipcxx::detail {

// A shared body at least this long may be sent by reference (SharedBytes).
constexpr std::size_t shared_body_threshold = 64 * 1024;

// The per-thread buffer values are packed into on their way to emit (a msgpack-c stream). A large
// SharedBytes body written last may stay by reference as the `tail` (see pack_for_emit).
struct PackBuffer {
    std::string bytes;
    std::string_view tail;
    std::shared_ptr<const void> tail_owner;
    // What SharedBytes offers just before its body is written.
    const char* offered = nullptr;
    std::shared_ptr<const void> offered_owner;

    void write(const char* data, std::size_t size) {
        if (!tail.empty()) settle();
        if (data == offered && size >= shared_body_threshold) {
            tail = {data, size};
            tail_owner = std::move(offered_owner);
            offered = nullptr;
            return;
        }
        bytes.append(data, size);
    }
    // Copies a by-reference tail into `bytes`.
    void settle() {
        bytes.append(tail.data(), tail.size());
        tail = {};
        tail_owner.reset();
    }
    void clear() {
        bytes.clear();
        tail = {};
        tail_owner.reset();
        offered = nullptr;
        offered_owner.reset();
    }
};
PackBuffer& thread_pack_buffer();
// Packs `value` into this thread's buffer. The view is valid until the next pack on this thread;
// an emit that queues a large message takes the buffer over instead of copying it.
template <class T>
std::string_view pack_thread_local(const T& value) {
    PackBuffer& buffer = thread_pack_buffer();
    buffer.clear();
    msgpack::pack(buffer, value);
    buffer.settle();
    return buffer.bytes;
}
// The same for emit, which alone knows the by-reference tail: the view holds the bytes before it,
// and emit_packed finds the tail in this thread's buffer.
template <class T>
std::string_view pack_for_emit(const T& value) {
    PackBuffer& buffer = thread_pack_buffer();
    buffer.clear();
    msgpack::pack(buffer, value);
    return buffer.bytes;
}

}  // namespace ipcxx::detail
