// The buffer values are packed into before they are sent, and the templates that pack into it.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <msgpack.hpp>

#include "ipcxx/export.hpp"

namespace ipcxx::detail {

// A shared body at least this long may be sent by reference (SharedBytes).
constexpr std::size_t shared_body_threshold = 64 * 1024;

// The body of a large SharedBytes that ended a value packed for emit, kept by reference with its
// owner: what the packer hands over to the emit that queues it (Outbox::push's tail). Or a large
// body lent by the caller for the emit's duration (`lent`, no owner): the emit either sees it
// written or copies it before it returns (see lent_body.hpp).
struct PackTail {
    std::shared_ptr<const void> owner;
    std::string_view bytes;
    bool lent = false;
};

// A value packed for emit: `head`, the bytes in this thread's pack buffer (valid until the next pack
// on this thread), then `tail`, when the value ended in a large SharedBytes. The tail travels in
// this object: nothing recognises a buffer by its address.
struct PackedForEmit {
    std::string_view head;
    std::optional<PackTail> tail;
};

// The per-thread buffer values are packed into on their way to emit (a msgpack-c stream). A large
// SharedBytes body written last may stay by reference as the `tail` (see pack_for_emit).
struct PackBuffer {
    std::string bytes;
    std::string_view tail;
    std::shared_ptr<const void> tail_owner;
    bool tail_lent = false;

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
    // A large body the caller lends for the emit's duration: kept by reference as the tail, like
    // a shared one, but with no owner (copied in by settle() if anything follows it).
    void write_lent(std::string_view body) {
        if (!tail.empty()) settle();
        tail = body;
        tail_lent = true;
    }
    // Copies a by-reference tail into `bytes`.
    void settle() {
        bytes.append(tail.data(), tail.size());
        tail = {};
        tail_owner.reset();
        tail_lent = false;
    }
    void clear() {
        bytes.clear();
        tail = {};
        tail_owner.reset();
        tail_lent = false;
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
    void lend_body(std::string_view body) { buffer_.write_lent(body); }

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
// The same for emit, which alone takes a by-reference tail: it is moved out of the buffer into the
// result, so the buffer keeps no owner of it.
template <class T>
PackedForEmit pack_for_emit(const T& value) {
    PackBuffer& buffer = thread_pack_buffer();
    buffer.clear();
    SharingPacker(buffer).pack(value);
    PackedForEmit packed{buffer.bytes, std::nullopt};
    if (!buffer.tail.empty()) {
        packed.tail = PackTail{std::move(buffer.tail_owner), buffer.tail, buffer.tail_lent};
        buffer.tail = {};
        buffer.tail_lent = false;
    }
    return packed;
}

}  // namespace ipcxx::detail
