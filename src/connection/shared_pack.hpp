// Large messages are queued without a second copy: the buffer emit() packed them into is handed
// to the outbox (Outbox::push's tail_owner), and the packing thread continues with a recycled one.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "ipcxx/detail/pack_buffer.hpp"

namespace ipcxx::detail {

// When `data` is the whole content of this thread's pack buffer (ipcxx::detail::pack_thread_local)
// and at least Outbox::share_threshold long: takes that buffer over and returns its owner, which
// keeps `data` valid and unchanged; this thread packs into another buffer from then on. Otherwise
// null (the caller copies `data`).
std::shared_ptr<const void> adopt_pack_buffer(std::string_view data);
// Inline: most messages are short, and the size alone says so.
inline std::shared_ptr<const void> adopt_packed(std::string_view data) {
    return data.size() < shared_body_threshold ? nullptr : adopt_pack_buffer(data);
}

// The whole value, copied, for a path that sends no tail by reference.
std::string joined(std::string_view data, const PackTail& tail);

}  // namespace ipcxx::detail
