#include "runtime/handler_pool.hpp"

namespace ipcxx::detail {
namespace {
thread_local const HandlerPool* current_pool = nullptr;
}  // namespace

std::shared_ptr<HandlerPool> HandlerPool::start(std::size_t threads) {
    std::shared_ptr<HandlerPool> pool(new HandlerPool());
    pool->threads_.reserve(threads);
    for (std::size_t i = 0; i < threads; ++i) {
        pool->threads_.emplace_back([keep = pool]() mutable {
            current_pool = keep.get();
            // Tasks catch their handlers' exceptions; anything else must not end the thread.
            for (;;) {
                try {
                    keep->io_.run();
                    break;
                } catch (...) {
                }
            }
            current_pool = nullptr;
            keep.reset();  // the last reference, when finish() detached us
        });
    }
    return pool;
}

bool HandlerPool::in_pool() const noexcept { return current_pool == this; }

void HandlerPool::finish() {
    guard_.reset();
    const bool from_inside = in_pool();
    for (std::thread& thread : threads_) {
        if (!thread.joinable()) continue;
        if (from_inside) {
            thread.detach();
        } else {
            thread.join();
        }
    }
}

}  // namespace ipcxx::detail
