// Records a ChildProcess's events in order (spawn, error, exit, close) and its output, with waits
// bounded by a deadline.
#pragma once

#include <fstream>
#include <mutex>
#include <string>

#include <sys/types.h>

#include "ipcxx/child_process.hpp"
#include "support/fixtures.hpp"

namespace test {

class ProcessWatch {
public:
    explicit ProcessWatch(ipcxx::ChildProcess& child) {
        child.on_spawn([this] { log.add("spawn"); });
        child.on_error([this](const ipcxx::ProcessError& e) {
            {
                std::lock_guard<std::mutex> lock(mutex_);
                error_ = e;
            }
            log.add("error");
        });
        child.on_exit([this](ipcxx::ExitStatus s) {
            {
                std::lock_guard<std::mutex> lock(mutex_);
                exit_ = s;
            }
            log.add("exit");
        });
        child.on_close([this](ipcxx::ExitStatus s) {
            {
                std::lock_guard<std::mutex> lock(mutex_);
                close_ = s;
            }
            log.add("close");
        });
        child.on_stdout([this](std::string_view bytes) {
            std::lock_guard<std::mutex> lock(mutex_);
            out_.append(bytes);
        });
        child.on_stderr([this](std::string_view bytes) {
            std::lock_guard<std::mutex> lock(mutex_);
            err_.append(bytes);
        });
    }

    bool closed(std::chrono::milliseconds timeout = 10s) const { return log.wait_for("close", timeout); }
    std::string out() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return out_;
    }
    std::string err() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return err_;
    }
    ipcxx::ExitStatus exit_status() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return exit_;
    }
    ipcxx::ExitStatus close_status() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return close_;
    }
    ipcxx::ProcessError error() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return error_;
    }

    Log log;

private:
    mutable std::mutex mutex_;
    std::string out_;
    std::string err_;
    ipcxx::ExitStatus exit_;
    ipcxx::ExitStatus close_;
    ipcxx::ProcessError error_;
};

// True while /proc/<pid> exists: a running child or a zombie not yet reaped.
inline bool proc_exists(pid_t pid) { return std::ifstream("/proc/" + std::to_string(pid) + "/stat").good(); }

// The state letter of /proc/<pid>/stat ('Z' for a zombie), or 0 when gone.
inline char proc_state(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto paren = text.rfind(')');
    return paren == std::string::npos || paren + 2 >= text.size() ? 0 : text[paren + 2];
}

}  // namespace test
