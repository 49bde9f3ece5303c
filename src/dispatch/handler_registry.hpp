// Handlers by event name, safe to change from any thread while the I/O thread dispatches.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ipcxx/handlers.hpp"

namespace ipcxx::detail {

// What a dispatch calls when a handler throws: a callable borrowed for the call, so that a dispatch
// per message does not construct a std::function.
class OnHandlerException {
public:
    template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, OnHandlerException>>>
    OnHandlerException(F&& f) noexcept  // implicit: callers pass a lambda
        : target_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
          call_([](void* target, const std::string& what, bool conversion) {
              (*static_cast<std::remove_reference_t<F>*>(target))(what, conversion);
          }) {}
    void operator()(const std::string& what, bool conversion) const { call_(target_, what, conversion); }

private:
    void* target_;
    void (*call_)(void*, const std::string&, bool);
};

class HandlerRegistry {
public:
    HandlerId add(std::string event, Handler handler, bool once);
    void remove(std::string_view event);
    void remove(HandlerId id);
    bool has(std::string_view event) const;

    // Calls the "*" handlers (when `wildcard`), then those of args.event, in registration order.
    // An exception from a handler goes to on_exception(what) and the next handler still runs.
    // Returns the number of handlers called.
    std::size_t dispatch(const EventArgs& args, bool wildcard, OnHandlerException on_exception);

    // Runs `f` (a handler that is not registered here, such as a request handler) under the same
    // rule as dispatched ones: not after close(), and close() waits for it. False if closed.
    template <class F>
    bool run_guarded(F&& f) {
        if (!enter_dispatch()) return false;
        struct Leave {
            HandlerRegistry* registry;
            ~Leave() { registry->leave_dispatch(); }
        } leave{this};
        const Active active(this);
        if (closed()) return false;
        f();
        return true;
    }

    // No handler starts after close(); waits for running ones, except a handler on the calling
    // thread (close() called from inside a handler).
    void close();
    bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }

private:
    struct Entry {
        HandlerId id;
        std::shared_ptr<Handler> handler;
        std::shared_ptr<std::atomic<bool>> spent;  // set for a `once` handler when it has run
    };
    struct Slot {
        std::string event;
        std::vector<Entry> entries;
    };
    // A handful of names in the common case: a flat list, searched by length first, beats a tree.
    struct Table {
        std::vector<Slot> slots;
        const Slot* wildcard = nullptr;  // the "*" slot, found once per table rather than per message
        Table() = default;
        Table(const Table& other);
        Table& operator=(const Table&) = delete;
        const Slot* find(std::string_view event) const;
        Slot& get(std::string event);  // creates the slot when missing
        void erase_empty();
        void update_wildcard() { wildcard = find("*"); }
    };

    // A dispatch running on this thread, linked to the one it runs inside (close() from inside a
    // handler must not wait for itself): on the dispatch's stack, so entering allocates nothing.
    struct Active {
        explicit Active(const HandlerRegistry* r) noexcept : registry(r), outer(innermost_) { innermost_ = this; }
        ~Active() { innermost_ = outer; }
        Active(const Active&) = delete;
        Active& operator=(const Active&) = delete;
        const HandlerRegistry* const registry;
        const Active* const outer;
    };
    static thread_local const Active* innermost_;  // of any registry, on this thread

    std::shared_ptr<const Table> snapshot() const;
    // Makes `next` the table dispatches see; the old one is kept until no dispatch runs. mutex_ held.
    void publish_locked(std::shared_ptr<Table> next);
    // Frees retired tables if no dispatch runs. mutex_ held.
    void reclaim_locked();
    bool enter_dispatch();  // false if closed (then nothing was entered)
    void leave_dispatch();
    void call(const Entry& entry, const EventArgs& args, OnHandlerException on_exception);

    mutable std::mutex mutex_;
    std::shared_ptr<const Table> table_ = std::make_shared<Table>();
    // What dispatch reads, without the mutex or a reference count per message: table_.get().
    // A replaced table is retired, not freed, while any dispatch runs (running_ > 0): a dispatch
    // counts itself in running_ before it loads current_ (both seq_cst), and a writer stores
    // current_ before it reads running_, so a dispatch that may still hold an old table is always
    // seen by whoever frees it (the writer, or the last dispatch to leave).
    std::atomic<const Table*> current_{table_.get()};
    std::vector<std::shared_ptr<const Table>> retired_;
    std::atomic<bool> has_retired_{false};
    HandlerId next_id_ = 1;
    std::atomic<bool> closed_{false};
    std::atomic<int> running_{0};
};

}  // namespace ipcxx::detail
