// A strand's work run directly by the only thread of its io_context, without Asio's strand: for
// as long as a StrandStandIn lives, this thread counts as on the strand of `owner` (on_strand).
// With one thread nothing else can run meanwhile, so the strand's exclusion holds without its
// queue, its two locks and the executor hops of a completion (docs/performance.md, "Ping-pong on
// one CPU"); code that asks "am I on the strand?" must ask on_strand as well as the strand.
#pragma once

namespace ipcxx::detail {

class StrandStandIn {
public:
    explicit StrandStandIn(const void* owner) noexcept : previous_(current_) { current_ = owner; }
    ~StrandStandIn() { current_ = previous_; }
    StrandStandIn(const StrandStandIn&) = delete;
    StrandStandIn& operator=(const StrandStandIn&) = delete;

    // True while a StrandStandIn of `owner` is the innermost one on this thread.
    static bool on_strand(const void* owner) noexcept { return owner != nullptr && current_ == owner; }

private:
    static inline thread_local const void* current_ = nullptr;
    const void* previous_;
};

}  // namespace ipcxx::detail
