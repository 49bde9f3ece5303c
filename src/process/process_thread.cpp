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
        // Busy polling as a client's default (Config::busy_poll): channels run here too, and a round
        // trip that waits for the kernel to wake this thread takes three times as long
        // (benchmarks/channel/README.md). The polling is adaptive (runtime/spin_policy.hpp): after
        // a few of the children's rare, far-apart events the thread sleeps at once.
        holder.reset(new Holder{IoThread::start(std::chrono::microseconds(50))});
        current = holder;
    }
    return SharedIo{holder->thread->context(), holder};
}

}  // namespace ipcxx::detail
