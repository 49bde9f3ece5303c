// Payload: the data of one event, in msgpack-c's value model.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <msgpack.hpp>

#include "ipcxx/error.hpp"

namespace ipcxx {

namespace detail {
struct PayloadData;
struct PayloadAccess;
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
[[noreturn]] void throw_conversion_failed(const msgpack::object& object, const char* what);
}  // namespace detail

// An immutable event payload: one msgpack value, or nothing at all (a node-ipc frame without a
// "data" key). Copies share the same bytes. Data that arrived as JSON and data that arrived as
// msgpack are the same type.
class Payload {
public:
    Payload() = default;  // no data

    template <class T>
    static Payload from(const T& value) {
        return from_msgpack(detail::pack_thread_local(value));
    }
    // One msgpack value. Throws ipcxx::Error(invalid_argument) if the bytes are not exactly one value.
    static Payload from_msgpack(std::string_view bytes);
    // Parses JSON text (for tools and tests); throws ipcxx::Error(invalid_json) on bad input.
    static Payload from_json(std::string_view json);

    bool empty() const noexcept { return !data_; }
    bool is_nil() const;
    std::string_view msgpack() const noexcept;  // the raw bytes; empty when there is no data
    // The unpacked value (nil when empty). Unpacked on first use.
    const msgpack::object& object() const;

    // Converts with msgpack-c's rules; throws ipcxx::Error(conversion_failed) naming the types.
    template <class T>
    T as() const {
        const msgpack::object& value = object();
        try {
            return value.as<T>();
        } catch (const std::exception& e) {
            detail::throw_conversion_failed(value, e.what());
        }
    }
    template <class T>
    bool try_as(T& out) const noexcept {
        try {
            object().convert(out);
            return true;
        } catch (...) {
            return false;
        }
    }

    // JSON.stringify of the value, as node-ipc would send it; "{}" for no data (node-ipc's undefined).
    std::string to_json() const;

    friend bool operator==(const Payload& a, const Payload& b) noexcept { return a.msgpack() == b.msgpack(); }
    friend bool operator!=(const Payload& a, const Payload& b) noexcept { return !(a == b); }

private:
    friend struct detail::PayloadAccess;
    explicit Payload(std::shared_ptr<const detail::PayloadData> data) : data_(std::move(data)) {}
    std::shared_ptr<const detail::PayloadData> data_;
};

}  // namespace ipcxx
