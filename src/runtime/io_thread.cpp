// The runtime (the library's I/O thread and handler pool): where it sits among the layers and its threading are in docs/ARCHITECTURE.md.
#include "runtime/io_thread.hpp"

#include "runtime/spin_policy.hpp"

namespace ipcxx::detail {

namespace {

// Runs `io` until it has no more work. With `busy_poll`, after a burst of handlers the thread may
// keep polling (yielding the CPU between polls) for up to that long before it sleeps in the kernel:
// a peer's next message often comes sooner, and waking a sleeping thread costs tens of microseconds
// on virtual machines. SpinPolicy decides, from the recent gaps between events, whether a spin is
// likely to pay for itself.
void run_io(asio::io_context& io, std::chrono::microseconds busy_poll) {
    if (busy_poll.count() == 0) {
        io.run();
        return;
    }
    using Clock = SpinPolicy::Clock;
    SpinPolicy policy(busy_poll);
    auto now = Clock::now();
    policy.went_idle(now);
    for (;;) {
        if (policy.keep_spinning(now)) {
            // A poll() that ran handlers ended by finding the reactor empty: polling again at once
            // would only ask the kernel the same question a second time.
            const auto before_yield = Clock::now();
            std::this_thread::yield();
            // Read after the yield, which can last long on a busy CPU: work found after it came
            // that late.
            now = Clock::now();
            policy.yielded(before_yield, now);
            if (io.poll() == 0) {
                if (io.stopped()) return;
                continue;
            }
            policy.found_work(now);
        } else {
            if (io.run_one() == 0) return;
            policy.found_work(Clock::now());
            // The rest of what is ready. When the next idle period sleeps anyway, the next
            // run_one() runs it before it waits, where poll() would end by asking the kernel once
            // more and finding nothing (half the epoll_wait calls of a ping-pong with a peer on the
            // same CPU). The policy then counts each of those handlers as an idle period, so that
            // its tries come a little more often.
            if (policy.next_idle_spins()) io.poll();
        }
        if (io.stopped()) return;
        now = Clock::now();
        policy.went_idle(now);
    }
}

// Runs `f` to its end, starting it again whenever an exception escapes: the library catches handler
// exceptions itself, and nothing else may end the I/O thread or reach an owner's destructor.
template <class F>
void run_catching(F&& f) {
    for (;;) {
        try {
            f();
            return;
        } catch (...) {
        }
    }
}

}  // namespace

std::shared_ptr<IoThread> IoThread::start(std::chrono::microseconds busy_poll) {
    std::shared_ptr<IoThread> io(new IoThread());
    io->thread_ = std::thread([raw = io.get(), busy_poll] {
        run_catching([&] { run_io(raw->io_, busy_poll); });
        // Drop the thread's own reference last: if finish() detached us, this destroys the
        // io_context here, after run() has returned.
        std::shared_ptr<IoThread> keep = std::move(raw->self_);
    });
    return io;
}

IoThread::~IoThread() {
    if (thread_.joinable()) {
        guard_.reset();
        if (thread_.get_id() == std::this_thread::get_id()) {
            thread_.detach();
        } else {
            thread_.join();
        }
    }
}

bool IoThread::in_this_thread() const noexcept { return thread_.get_id() == std::this_thread::get_id(); }

void IoThread::finish() {
    if (joined_) {
        // Tasks posted since the thread ended (a destroyed client's last disconnect(), say) run
        // here: left queued, each would hold its object, and that object's keepalive this thread,
        // for ever.
        run_catching([this] {
            io_.restart();
            io_.poll();
        });
        return;
    }
    if (!thread_.joinable()) return;
    if (in_this_thread()) {
        self_ = shared_from_this();
        guard_.reset();
        thread_.detach();
    } else {
        guard_.reset();
        thread_.join();
        joined_ = true;
    }
}

void release(const std::shared_ptr<IoThread>& thread, const std::function<void()>& close_events) {
    if (thread && !thread->in_this_thread()) thread->finish();
    close_events();
    if (thread) thread->finish();
}

}  // namespace ipcxx::detail
