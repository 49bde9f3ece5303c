// Large messages are queued without a second copy: the buffer emit() packed them into is handed
// to the outbox (Outbox::push's tail_owner), and the packing thread continues with a recycled one.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ipcxx::detail {

// When `data` is the whole content of this thread's pack buffer (ipcxx::detail::pack_thread_local)
// and at least Outbox::share_threshold long: takes that buffer over and returns its owner, which
// keeps `data` valid and unchanged; this thread packs into another buffer from then on. Otherwise
// null (the caller copies `data`).
std::shared_ptr<const void> adopt_packed(std::string_view data);

// The body of a SharedBytes that ended a value packed by pack_for_emit, kept by reference.
struct PackTail {
    std::shared_ptr<const void> owner;
    std::string_view bytes;
};
// When `data` is this thread's pack buffer and such a tail follows it: takes the tail (the whole
// value is `data` then `tail.bytes`).
std::optional<PackTail> take_pack_tail(std::string_view data);
// The whole value, copied, for a path that sends no tail by reference.
std::string joined(std::string_view data, const PackTail& tail);

}  // namespace ipcxx::detail
