// The buffer values are packed into before they are sent, and the templates that pack into it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <msgpack.hpp>

#include "ipcxx/export.hpp"

namespace ipcxx::detail {

// A shared body at least this long may be sent by reference (SharedBytes).
constexpr std::size_t shared_body_threshold = 64 * 1024;

// The per-thread buffer values are packed into on their way to emit (a msgpack-c stream). A large
// SharedBytes body written last may stay by reference as the `tail` (see pack_for_emit).
struct PackBuffer {
    std::string bytes;
    std::string_view tail;
    std::shared_ptr<const void> tail_owner;

    void write(const char* data, std::size_t size) {
        if (!tail.empty()) settle();
        bytes.append(data, size);
    }
    // A SharedBytes body, handed over with its owner: a large one is kept by reference as the
    // tail (copied in by settle() if anything follows it), a small one is copied.
    void write_shared(std::string_view body, const std::shared_ptr<const void>& owner) {
        if (!tail.empty()) settle();
        if (body.size() < shared_body_threshold) {
            bytes.append(body.data(), body.size());
            return;
        }
        tail = body;
        tail_owner = owner;
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
    }
};

// The packer the library packs into a PackBuffer with. It is the explicit handover behind
// zero-copy sends: SharedBytes' adaptor, given a packer<PackBuffer> (always one of these, as
// PackBuffer is packed into nowhere else), passes its body and owner through share_body.
class SharingPacker : public msgpack::packer<PackBuffer> {
public:
    explicit SharingPacker(PackBuffer& buffer) : msgpack::packer<PackBuffer>(buffer), buffer_(buffer) {}
    void share_body(std::string_view body, const std::shared_ptr<const void>& owner) {
        buffer_.write_shared(body, owner);
    }

private:
    PackBuffer& buffer_;
};

IPCXX_API PackBuffer& thread_pack_buffer();
// Packs `value` into this thread's buffer. The view is valid until the next pack on this thread;
// an emit that queues a large message takes the buffer over instead of copying it.
template <class T>
std::string_view pack_thread_local(const T& value) {
    PackBuffer& buffer = thread_pack_buffer();
    buffer.clear();
    SharingPacker(buffer).pack(value);
    buffer.settle();
    return buffer.bytes;
}
// The same for emit, which alone knows the by-reference tail: the view holds the bytes before it,
// and emit_packed finds the tail in this thread's buffer.
template <class T>
std::string_view pack_for_emit(const T& value) {
    PackBuffer& buffer = thread_pack_buffer();
    buffer.clear();
    SharingPacker(buffer).pack(value);
    return buffer.bytes;
}

}  // namespace ipcxx::detail
