#include "connection/shared_pack.hpp"

#include <mutex>
#include <utility>
#include <string>
#include <vector>

#include "connection/outbox.hpp"
#include "ipcxx/payload.hpp"

namespace ipcxx::detail {
namespace {

// Buffers whose messages were written, for the next large packs: a steady stream of large
// messages then allocates nothing, and the memory written into is memory the cache saw lately.
class BufferPool {
public:
    std::string take() {
        std::lock_guard<std::mutex> lock(mutex_);
        if (free_.empty()) return {};
        std::string buffer = std::move(free_.back());
        free_.pop_back();
        held_ -= buffer.capacity();
        return buffer;
    }

    void give_back(std::string& buffer) {
        buffer.clear();
        std::lock_guard<std::mutex> lock(mutex_);
        if (held_ + buffer.capacity() > max_held_bytes) return;  // the caller frees it
        held_ += buffer.capacity();
        free_.push_back(std::move(buffer));
    }

private:
    // As much as one connection's default send queue holds: what a stream of large messages
    // keeps in flight.
    static constexpr std::size_t max_held_bytes = 16u << 20;
    std::mutex mutex_;
    std::vector<std::string> free_;
    std::size_t held_ = 0;
};

// Never destroyed: owners released by objects with static storage duration still find it.
BufferPool& pool() {
    static auto* instance = new BufferPool;
    return *instance;
}

}  // namespace

PackBuffer& thread_pack_buffer() {
    thread_local PackBuffer buffer;
    return buffer;
}

std::string joined(std::string_view data, const PackTail& tail) {
    std::string whole;
    whole.reserve(data.size() + tail.bytes.size());
    whole.append(data.data(), data.size());
    whole.append(tail.bytes.data(), tail.bytes.size());
    return whole;
}

std::shared_ptr<const void> adopt_pack_buffer(std::string_view data) {
    std::string& packed = thread_pack_buffer().bytes;
    if (data.data() != packed.data() || data.size() != packed.size()) return {};
    auto owner = std::shared_ptr<std::string>(new std::string(std::move(packed)), [](std::string* buffer) {
        pool().give_back(*buffer);
        delete buffer;
    });
    packed = pool().take();
    return owner;
}

static_assert(shared_body_threshold == Outbox::share_threshold, "a shared body is queued by reference");

}  // namespace ipcxx::detail
