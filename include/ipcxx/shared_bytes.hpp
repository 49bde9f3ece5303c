// SharedBytes: bytes that emit may send without copying them. A message usually costs one copy
// of its data, into the connection's queue; for large bodies (a file, a frame of video) that copy
// costs as much as the kernel's own. A SharedBytes of 64 KiB or more that is the last thing in the
// message (e.g. [header, body]) is queued by reference on the native wire. Anywhere else (the JSON
// wire, sync mode, broadcasts, requests, emit_to, Payload::from) it is copied, with the same result
// on the wire.
//
// Lifetime and threads: a queued body's owner is held until its bytes are written, or until the
// message is reported undelivered; a client keeps it across reconnects meanwhile. The last
// reference may therefore be dropped on the library's I/O thread: an owner's deleter runs there, so
// it should be quick; it may call into ipcxx (emit included). SharedBytes itself is a value like
// std::string_view plus a reference count: copies may be used on any thread, as long as the bytes
// do not change while any owner lives.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <msgpack.hpp>

#include "ipcxx/payload.hpp"

namespace ipcxx {

/// Bytes that emit may send without copying them (see the top of this header), with the owner
/// that keeps them alive. A value: copies may be used on any thread.
class SharedBytes {
public:
    /// How the bytes are packed.
    enum class Kind {
        binary,  ///< a msgpack bin (a Buffer in node-ipc)
        text,    ///< a msgpack str
    };

    /// No bytes.
    SharedBytes() = default;
    /// Bytes kept alive by `owner`: they must stay unchanged while it lives. msgpack caps a body
    /// at 4 GiB - 1: packing a larger one throws msgpack::container_size_overflow, like msgpack-c's own adaptors.
    SharedBytes(std::shared_ptr<const void> owner, std::string_view bytes, Kind kind = Kind::binary)
        : owner_(std::move(owner)), bytes_(bytes), kind_(kind) {}
    /// The bytes of a shared string, which is their owner. A null pointer stands for no bytes.
    explicit SharedBytes(std::shared_ptr<const std::string> text_or_data, Kind kind = Kind::binary)
        : bytes_(text_or_data ? std::string_view(*text_or_data) : std::string_view()), kind_(kind) {
        owner_ = std::move(text_or_data);
    }
    /// Takes `data` over (moved into a shared string, which is the owner).
    explicit SharedBytes(std::string&& data, Kind kind = Kind::binary)
        : SharedBytes(std::make_shared<const std::string>(std::move(data)), kind) {}

    /// The bytes.
    std::string_view bytes() const noexcept { return bytes_; }
    /// What keeps the bytes alive.
    const std::shared_ptr<const void>& owner() const noexcept { return owner_; }
    /// How the bytes are packed.
    Kind kind() const noexcept { return kind_; }

private:
    std::shared_ptr<const void> owner_;
    std::string_view bytes_;
    Kind kind_ = Kind::binary;
};

}  // namespace ipcxx

namespace msgpack {
MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS) {
namespace adaptor {

template <>
struct pack<ipcxx::SharedBytes> {
    template <class Stream>
    packer<Stream>& operator()(packer<Stream>& o, const ipcxx::SharedBytes& v) const {
        if (v.bytes().size() > std::numeric_limits<std::uint32_t>::max()) throw msgpack::container_size_overflow("SharedBytes body over 4 GiB - 1");
        const auto size = static_cast<std::uint32_t>(v.bytes().size());
        if (v.kind() == ipcxx::SharedBytes::Kind::text) o.pack_str(size);
        else o.pack_bin(size);
        if constexpr (std::is_same_v<Stream, ipcxx::detail::PackBuffer>) {
            /// Packed by the library for a send: a large body may be queued by reference.
            static_cast<ipcxx::detail::SharingPacker&>(o).share_body(v.bytes(), v.owner());
        } else if (v.kind() == ipcxx::SharedBytes::Kind::text) {
            o.pack_str_body(v.bytes().data(), size);
        } else {
            o.pack_bin_body(v.bytes().data(), size);
        }
        return o;
    }
};

}  // namespace adaptor
}  // MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS)
}  // namespace msgpack
