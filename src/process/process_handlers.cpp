#include "process/process_handlers.hpp"

#include <exception>

#include "ipcxx/error.hpp"

namespace ipcxx::detail {

void ProcessHandlers::run(const std::function<void()>& call) {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    if (closed_) return;
    try {
        call();
    } catch (const std::exception& e) {
        emit_error({errc::handler_exception, {}, std::string("a ChildProcess handler threw: ") + e.what()});
    } catch (...) {
        emit_error({errc::handler_exception, {}, "a ChildProcess handler threw"});
    }
}

void ProcessHandlers::emit_error(const ProcessError& event) {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    if (closed_ || !error) return;
    // An error handler that throws has nowhere left to report to: the I/O thread must go on.
    try {
        error(event);
    } catch (...) {
    }
}

void ProcessHandlers::emit_data(int fd, std::string_view bytes) {
    run([&] {
        const auto own = data_of_fd.find(fd);
        if (own != data_of_fd.end() && own->second) {
            own->second(bytes);
        } else if (data) {
            data(fd, bytes);
        }
    });
}

void ProcessHandlers::close_all() {
    std::lock_guard<std::recursive_mutex> lock(mutex_);
    closed_ = true;
}

}  // namespace ipcxx::detail
