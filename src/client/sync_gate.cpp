#include "client/sync_gate.hpp"

#include <utility>

namespace ipcxx::detail {

HeldMessage HeldMessage::copy_of(const Outgoing& message) {
    HeldMessage held;
    held.kind = message.kind;
    held.id = message.id;
    held.name = message.name;
    held.data = message.data;
    held.error_code = message.error_code;
    held.error_message = message.error_message;
    return held;
}

Outgoing HeldMessage::view() const {
    Outgoing message;
    message.kind = kind;
    message.id = id;
    message.name = name;
    message.data = data;
    message.error_code = error_code;
    message.error_message = error_message;
    return message;
}

std::size_t HeldMessage::size() const noexcept {
    return name.size() + data.size() + error_code.size() + error_message.size();
}

bool SyncGate::hold(HeldMessage message) {
    const std::size_t size = message.size();
    if (size > max_bytes_ || held_bytes_ > max_bytes_ - size) return false;
    held_bytes_ += size;
    held_.push_back(std::move(message));
    return true;
}

bool SyncGate::release(HeldMessage& out) {
    if (held_.empty()) {
        awaiting_ = false;
        return false;
    }
    out = std::move(held_.front());
    held_.pop_front();
    held_bytes_ -= out.size();
    return true;
}

std::size_t SyncGate::clear() noexcept {
    std::size_t n = 0;
    for (const HeldMessage& message : held_) n += message.raw || message.kind != FrameKind::request;
    held_.clear();
    held_bytes_ = 0;
    awaiting_ = false;
    return n;
}

}  // namespace ipcxx::detail
