// node-ipc's `sync` mode, without sockets: once a message has been sent, the next one waits until a
// message is received, and each received message releases one waiting message (node-ipc 14's rule;
// when none waits, the gate opens and the next message goes at once). Unlike node-ipc's queue, the
// waiting messages are bounded in bytes. Not thread-safe: the client serialises calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "connection/message_encoder.hpp"

namespace ipcxx::detail {

// A message kept until its release: an Outgoing with its own copies of the bytes, or raw bytes.
struct HeldMessage {
    bool raw = false;  // raw_buffer bytes in `data`
    FrameKind kind = FrameKind::event;
    std::uint64_t id = 0;
    std::string name;
    std::string data;
    std::string error_code;
    std::string error_message;

    static HeldMessage copy_of(const Outgoing& message);
    Outgoing view() const;
    std::size_t size() const noexcept;
};

class SyncGate {
public:
    explicit SyncGate(std::size_t max_bytes) : max_bytes_(max_bytes) {}

    // True while a sent message waits for a reception: new messages must be held.
    bool closed() const noexcept { return awaiting_; }
    // A message went out: the gate closes until something is received.
    void sent() noexcept { awaiting_ = true; }
    // Keeps a message while the gate is closed; false (nothing kept) when it would exceed max_bytes.
    bool hold(HeldMessage message);
    // A message was received. Returns true with the oldest held message in `out`, which the caller
    // sends now (the gate stays closed); false when none waits (the gate opens).
    bool release(HeldMessage& out);
    // Drops every held message (the client gives up) and opens the gate; returns how many there
    // were, requests aside: a request's loss is reported by its own error.
    std::size_t clear() noexcept;

    std::size_t held() const noexcept { return held_.size(); }
    std::size_t held_bytes() const noexcept { return held_bytes_; }

private:
    const std::size_t max_bytes_;
    std::deque<HeldMessage> held_;
    std::size_t held_bytes_ = 0;
    bool awaiting_ = false;
};

}  // namespace ipcxx::detail
