#include "dispatch/handler_registry.hpp"

#include "codec/event_names.hpp"

#include <algorithm>
#include <thread>

namespace ipcxx::detail {

thread_local const HandlerRegistry::Active* HandlerRegistry::innermost_ = nullptr;

HandlerRegistry::Table::Table(const Table& other) : slots(other.slots) { update_wildcard(); }

const HandlerRegistry::Slot* HandlerRegistry::Table::find(std::string_view event) const {
    for (const Slot& slot : slots) {
        if (same_event_name(slot.event, event)) return &slot;
    }
    return nullptr;
}

HandlerRegistry::Slot& HandlerRegistry::Table::get(std::string event) {
    for (Slot& slot : slots) {
        if (slot.event == event) return slot;
    }
    // A table is copied for each change, its vectors to their size: one more, not twice as many,
    // since a client keeps its table for its lifetime (docs/memory.md).
    slots.reserve(slots.size() + 1);
    slots.push_back(Slot{std::move(event), {}});
    return slots.back();
}

void HandlerRegistry::Table::erase_empty() {
    slots.erase(std::remove_if(slots.begin(), slots.end(), [](const Slot& s) { return s.entries.empty(); }),
                slots.end());
}

void HandlerRegistry::publish_locked(std::shared_ptr<Table> next) {
    next->update_wildcard();
    retired_.push_back(std::move(table_));
    table_ = std::move(next);
    has_retired_.store(true, std::memory_order_seq_cst);
    current_.store(table_.get(), std::memory_order_seq_cst);
    reclaim_locked();
}

void HandlerRegistry::reclaim_locked() {
    if (running_.load(std::memory_order_seq_cst) != 0) return;
    // Its capacity too: most registries change only while their handlers are added, and each of
    // thousands of idle clients would keep it (docs/memory.md).
    std::vector<std::shared_ptr<const Table>>().swap(retired_);
    has_retired_.store(false, std::memory_order_seq_cst);
}

bool HandlerRegistry::enter_dispatch() {
    if (closed()) return false;
    running_.fetch_add(1, std::memory_order_seq_cst);
    return true;
}

void HandlerRegistry::leave_dispatch() {
    if (running_.fetch_sub(1, std::memory_order_seq_cst) == 1 && has_retired_.load(std::memory_order_seq_cst)) {
        // The last dispatch to leave frees what writers retired meanwhile (e.g. `once` handlers).
        std::lock_guard<std::mutex> lock(mutex_);
        reclaim_locked();
    }
}

HandlerId HandlerRegistry::add(std::string event, Handler handler, bool once) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto next = std::make_shared<Table>(*table_);
    const HandlerId id = next_id_++;
    auto& entries = next->get(std::move(event)).entries;
    entries.reserve(entries.size() + 1);
    entries.push_back(
        Entry{id, std::make_shared<Handler>(std::move(handler)),
              once ? std::make_shared<std::atomic<bool>>(false) : nullptr});
    publish_locked(std::move(next));
    return id;
}

void HandlerRegistry::remove(std::string_view event) {
    std::lock_guard<std::mutex> lock(mutex_);
    const Slot* slot = table_->find(event);
    if (!slot) return;
    auto next = std::make_shared<Table>(*table_);
    next->slots.erase(next->slots.begin() + (slot - table_->slots.data()));
    publish_locked(std::move(next));
}

void HandlerRegistry::remove(HandlerId id) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto next = std::make_shared<Table>(*table_);
    for (Slot& slot : next->slots) {
        auto& entries = slot.entries;
        auto found = std::find_if(entries.begin(), entries.end(), [id](const Entry& e) { return e.id == id; });
        if (found != entries.end()) {
            entries.erase(found);
            next->erase_empty();
            publish_locked(std::move(next));
            return;
        }
    }
}

bool HandlerRegistry::has(std::string_view event) const {
    return snapshot()->find(event) != nullptr;
}

std::shared_ptr<const HandlerRegistry::Table> HandlerRegistry::snapshot() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return table_;
}

void HandlerRegistry::call(const Entry& entry, const EventArgs& args, OnHandlerException on_exception) {
    if (entry.spent) {
        if (entry.spent->exchange(true)) return;
        remove(entry.id);
    }
    try {
        entry.handler->call(args);
    } catch (const ConversionFailure& e) {
        on_exception(e.what(), true);
    } catch (const std::exception& e) {
        on_exception(e.what(), false);
    } catch (...) {
        on_exception("unknown exception", false);
    }
}

std::size_t HandlerRegistry::dispatch(const EventArgs& args, bool wildcard, OnHandlerException on_exception) {
    if (!enter_dispatch()) return 0;
    struct Leave {
        HandlerRegistry* registry;
        ~Leave() { registry->leave_dispatch(); }
    } leave{this};
    const Active active(this);
    if (closed()) return 0;
    const Table* const table = current_.load(std::memory_order_seq_cst);
    std::size_t called = 0;
    auto run = [&](const Slot* slot) {
        if (!slot) return;
        for (const Entry& entry : slot->entries) {
            if (closed()) return;
            call(entry, args, on_exception);
            ++called;
        }
    };
    if (wildcard) run(table->wildcard);
    run(table->find(args.event));
    return called;
}

void HandlerRegistry::close() {
    closed_.store(true, std::memory_order_release);
    int mine = 0;
    for (const Active* a = innermost_; a != nullptr; a = a->outer) mine += a->registry == this;
    // Handlers are user code of unknown length: poll rather than make every dispatch pay for a
    // condition variable.
    while (running_.load(std::memory_order_acquire) > mine) std::this_thread::yield();
    std::lock_guard<std::mutex> lock(mutex_);
    publish_locked(std::make_shared<Table>());
}

}  // namespace ipcxx::detail
