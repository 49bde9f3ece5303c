// The handlers of one ChildProcess, and the rule for calling them: never after the owner's
// destructor returned, never two at once, exceptions turned into `error` events.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string_view>

#include "ipcxx/child_process.hpp"

namespace ipcxx::detail {

class ProcessHandlers {
public:
    std::function<void()> spawn;
    std::function<void(const ProcessError&)> error;
    std::function<void(ExitStatus)> exit;
    std::function<void(ExitStatus)> close;
    std::function<void(int, std::string_view)> data;
    std::map<int, std::function<void(std::string_view)>> data_of_fd;  // on_stdout, on_stderr
    std::function<void()> drain;

    // Runs `call` unless closed; an exception from it becomes an `error` event.
    void run(const std::function<void()>& call);
    void emit_error(const ProcessError& error);
    void emit_data(int fd, std::string_view bytes);
    // No handler runs after this returns; one running on another thread is waited for. Safe from
    // inside a handler (the lock is recursive).
    void close_all();

private:
    std::recursive_mutex mutex_;
    bool closed_ = false;
};

}  // namespace ipcxx::detail
