#include "process/process_thread.hpp"

#include <chrono>
#include <mutex>

#include "runtime/io_thread.hpp"

namespace ipcxx::detail {

namespace {

// Ends the thread when the last holder lets go. IoThread::finish() handles both cases: from
// another thread it waits for the thread's end; from the I/O thread itself (a reaped child's
// handler dropping the last hold) it lets the thread end on its own.
struct Holder {
    std::shared_ptr<IoThread> thread;
    ~Holder() { thread->finish(); }
};

}  // namespace

SharedIo process_io() {
    static std::mutex mutex;
    static std::weak_ptr<Holder> current;
    std::lock_guard<std::mutex> lock(mutex);
    std::shared_ptr<Holder> holder = current.lock();
    if (!holder) {
        // No busy polling: process events are rare and a child's start dwarfs a wake-up.
        holder.reset(new Holder{IoThread::start(std::chrono::microseconds(0))});
        current = holder;
    }
    return SharedIo{holder->thread->context(), holder};
}

}  // namespace ipcxx::detail
