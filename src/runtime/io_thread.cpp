#include "runtime/io_thread.hpp"

namespace ipcxx::detail {

std::shared_ptr<IoThread> IoThread::start() {
    std::shared_ptr<IoThread> io(new IoThread());
    io->thread_ = std::thread([raw = io.get()] {
        for (;;) {
            try {
                raw->io_.run();
                break;
            } catch (...) {
                // The library catches handler exceptions itself; this keeps the loop alive if
                // anything else escapes.
            }
        }
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
    if (!thread_.joinable()) return;
    if (in_this_thread()) {
        self_ = shared_from_this();
        guard_.reset();
        thread_.detach();
    } else {
        guard_.reset();
        thread_.join();
    }
}

void release(const std::shared_ptr<IoThread>& thread, const std::function<void()>& close_events) {
    if (thread && !thread->in_this_thread()) thread->finish();
    close_events();
    if (thread) thread->finish();
}

}  // namespace ipcxx::detail
