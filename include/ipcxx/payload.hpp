// Payload: the data of one event, in msgpack-c's value model.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <msgpack.hpp>

#include "ipcxx/detail/pack_buffer.hpp"
#include "ipcxx/detail/payload_access.hpp"
#include "ipcxx/error.hpp"
#include "ipcxx/export.hpp"

namespace ipcxx {

/// An immutable event payload: one msgpack value, or nothing at all (a node-ipc frame without a
/// "data" key). Copies share the same bytes. Data that arrived as JSON and data that arrived as
/// msgpack are the same type.
class IPCXX_API Payload {
public:
    /// No data.
    Payload() = default;

    /// `value` packed with msgpack-c.
    template <class T>
    static Payload from(const T& value) {
        return from_msgpack(detail::pack_thread_local(value));
    }
    /// One msgpack value. Throws ipcxx::Error(invalid_argument) if the bytes are not exactly one value.
    static Payload from_msgpack(std::string_view bytes);
    /// Parses JSON text (for tools and tests); throws ipcxx::Error(invalid_json) on bad input.
    static Payload from_json(std::string_view json);

    /// True when there is no data at all (not even nil).
    bool empty() const noexcept { return !data_; }
    /// True when there is data and it is nil (false when empty()).
    bool is_nil() const;
    /// The raw msgpack bytes; empty when there is no data.
    std::string_view msgpack() const noexcept;
    /// The unpacked value (nil when empty). Unpacked on first use.
    const msgpack::object& object() const;

    /// Converts with msgpack-c's rules; throws ipcxx::Error(conversion_failed) naming the types.
    template <class T>
    T as() const {
        const msgpack::object& value = object();
        try {
            return value.as<T>();
        } catch (const std::exception& e) {
            detail::throw_conversion_failed(value, e.what());
        }
    }
    /// Converts into `out` with msgpack-c's rules; false when it does not convert.
    template <class T>
    bool try_as(T& out) const noexcept {
        try {
            object().convert(out);
            return true;
        } catch (...) {
            return false;
        }
    }

    /// JSON.stringify of the value, as node-ipc would send it; "{}" for no data (node-ipc's undefined).
    std::string to_json() const;

    /// Equal when the msgpack bytes are equal.
    friend bool operator==(const Payload& a, const Payload& b) noexcept { return a.msgpack() == b.msgpack(); }
    /// Not operator==.
    friend bool operator!=(const Payload& a, const Payload& b) noexcept { return !(a == b); }

private:
    friend struct detail::PayloadAccess;
    explicit Payload(std::shared_ptr<const detail::PayloadData> data) : data_(std::move(data)) {}
    std::shared_ptr<const detail::PayloadData> data_;
};

}  // namespace ipcxx
