// Child processes: where this sits among the layers and its threading are in docs/ARCHITECTURE.md;
// the API in docs/processes.md.
#include "process/process_impl.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>

#include <asio/bind_executor.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>
#include <asio/write.hpp>
#include <sys/wait.h>

#include "channel/channel_framing.hpp"
#include "channel/channel_impl.hpp"
#include "ipcxx/error.hpp"
#include "process/command.hpp"
#include "process/environment.hpp"
#include "process/launch.hpp"
#include "process/pidfd.hpp"
#include "process/stdio_plan.hpp"

namespace ipcxx::detail {

namespace {

// An errno as Asio reports it (its own category), as a std::system_category code.
std::error_code as_errno(std::error_code ec) {
    if (ec.category() == asio::error::get_system_category()) return {ec.value(), std::system_category()};
    return ec;
}

// "ENOENT (No such file or directory)", as Node names spawn errors.
std::string describe(std::error_code cause) {
    if (cause.category() != std::system_category()) return cause.message();
    const char* name = ::strerrorname_np(cause.value());
    return std::string(name != nullptr ? name : "errno " + std::to_string(cause.value())) + " (" +
           cause.message() + ")";
}

}  // namespace

ProcessImpl::ProcessImpl(asio::io_context& io, std::shared_ptr<void> keepalive)
    : keepalive_(std::move(keepalive)), io_(io), strand_(asio::make_strand(io)), exit_wait_(io), timeout_(io) {}

std::error_code ProcessImpl::spawn(const std::string& program, const std::vector<std::string>& args,
                                   const SpawnOptions& options) {
    if (program.empty() || options.shell_path.empty()) return errc::invalid_argument;
    for (const auto& slot : options.stdio) {
        if (slot.kind() == StdioSlot::Kind::fd && slot.fd() < 0) return errc::invalid_argument;
    }
    std::size_t ipc_slot = options.stdio.size();
    for (std::size_t i = 0; i < options.stdio.size(); ++i) {
        if (options.stdio[i].kind() != StdioSlot::Kind::ipc) continue;
        if (ipc_slot != options.stdio.size()) return errc::invalid_argument;  // Node's ERR_IPC_ONE_PIPE
        ipc_slot = i;
    }
    if (options.timeout.count() < 0) return errc::invalid_argument;
    if (options.serialization != ChannelSerialization::json &&
        options.serialization != ChannelSerialization::advanced) {
        return errc::invalid_argument;
    }
    if (spawned_.exchange(true)) return errc::invalid_argument;
    options_ = options;
    if (ipc_slot != options.stdio.size()) {
        options_.env["NODE_CHANNEL_FD"] = std::to_string(ipc_slot);
        options_.env["NODE_CHANNEL_SERIALIZATION_MODE"] = serialization_mode(options.serialization);
    }

    const Command command = make_command(program, args, options_);
    const std::vector<std::string> environment = make_environment(options_);
    StdioPlan stdio;
    if (const auto error = stdio.open(options.stdio)) {
        fail_spawn(program, error);
        return {};
    }
    std::error_code error;
    const pid_t pid = launch({command, environment, options.cwd, stdio, options.detached, options.uid, options.gid},
                             error);
    if (pid < 0) {
        fail_spawn(program, error);
        return {};
    }
    const int pidfd = open_pidfd(pid, error);
    if (pidfd < 0) {
        // Without a pidfd there is no way to see the exit (pre-5.3 kernels): the child is not
        // left running unwatched.
        ::kill(pid, SIGKILL);
        while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
        }
        fail_spawn(program, error);
        return {};
    }
    pid_ = pid;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        pidfd_ = pidfd;
    }
    exit_wait_.assign(pidfd);
    readers_.resize(stdio.size());
    for (std::size_t fd = 0; fd < stdio.size(); ++fd) {
        const int parent_end = stdio.take_parent_end(fd);
        if (parent_end < 0) continue;
        if (fd == ipc_slot) {
            channel_->attach(ChannelLink::socket(parent_end), options.serialization);
            ++open_readers_;
            std::weak_ptr<ProcessImpl> weak = shared_from_this();
            channel_->on_end([weak] {
                if (auto self = weak.lock()) {
                    asio::post(self->strand_, [self] {
                        --self->open_readers_;
                        self->maybe_close();
                    });
                }
            });
        } else if (fd == 0) {
            stdin_ = std::make_unique<asio::local::stream_protocol::socket>(io_);
            stdin_->assign(asio::local::stream_protocol(), parent_end);
            stdin_queue_.open(options.max_stdin_queue);
        } else {
            readers_[fd] = std::make_unique<Reader>(io_);
            readers_[fd]->socket.assign(asio::local::stream_protocol(), parent_end);
            ++open_readers_;
        }
    }
    asio::post(strand_, [self = shared_from_this()] { self->start(); });
    return {};
}

void ProcessImpl::fail_spawn(const std::string& program, std::error_code cause) {
    asio::post(strand_, [self = shared_from_this(), program, cause] {
        self->handlers_.emit_error({errc::spawn_failed, cause, "spawn " + program + ": " + describe(cause)});
        self->exited_ = true;
        self->status_.code = -cause.value();
        self->maybe_close();
    });
}

void ProcessImpl::start() {
    handlers_.run([this] {
        if (handlers_.spawn) handlers_.spawn();
    });
    if (channel_ && channel_->attached()) channel_->start();
    wait_exit();
    for (std::size_t fd = 0; fd < readers_.size(); ++fd) {
        if (readers_[fd]) read(static_cast<int>(fd));
    }
    if (options_.timeout.count() > 0) {
        timeout_.expires_after(options_.timeout);
        timeout_.async_wait(asio::bind_executor(strand_, [self = shared_from_this()](std::error_code ec) {
            if (ec || self->exited_) return;
            self->timed_out_ = true;
            self->kill(self->options_.kill_signal);
        }));
    }
    pump_stdin();
}

void ProcessImpl::wait_exit() {
    exit_wait_.async_wait(asio::posix::stream_descriptor::wait_read,
                          asio::bind_executor(strand_, [self = shared_from_this()](std::error_code) {
                              self->on_exit_ready();
                          }));
}

void ProcessImpl::on_exit_ready() {
    ExitStatus status;
    const ReapResult result = reap_pidfd(exit_wait_.native_handle(), status);
    if (result == ReapResult::running) {
        wait_exit();
        return;
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        pidfd_ = -1;
    }
    exit_wait_.close();
    timeout_.cancel();
    exited_ = true;
    status_ = status;
    status_.timed_out = timed_out_;
    if (result == ReapResult::unknown) {
        handlers_.emit_error({errc::exit_status_unknown, std::error_code(ECHILD, std::system_category()),
                              "child " + std::to_string(pid_.load()) + ": exit status unknown (reaped elsewhere)"});
    }
    handlers_.run([this] {
        if (handlers_.exit) handlers_.exit(status_);
    });
    // Node closes stdin when the child exits: nobody is left to read it.
    close_stdin();
    maybe_close();
}

void ProcessImpl::read(int fd) {
    Reader& reader = *readers_[static_cast<std::size_t>(fd)];
    reader.socket.async_read_some(
        asio::buffer(reader.buffer),
        asio::bind_executor(strand_, [self = shared_from_this(), fd](std::error_code ec, std::size_t n) {
            Reader& r = *self->readers_[static_cast<std::size_t>(fd)];
            if (n > 0) self->handlers_.emit_data(fd, std::string_view(r.buffer.data(), n));
            if (!ec) {
                self->read(fd);
                return;
            }
            std::error_code ignored;
            r.socket.close(ignored);
            --self->open_readers_;
            self->maybe_close();
        }));
}

void ProcessImpl::pump_stdin() {
    if (writing_ || !stdin_ || !stdin_->is_open()) return;
    auto batch = std::make_shared<std::string>(stdin_queue_.take());
    if (batch->empty()) {
        if (stdin_queue_.ended()) close_stdin();
        return;
    }
    writing_ = true;
    asio::async_write(*stdin_, asio::buffer(*batch),
                      asio::bind_executor(strand_, [self = shared_from_this(), batch](std::error_code ec, std::size_t n) {
                          self->writing_ = false;
                          if (ec) {
                              const std::size_t lost = self->stdin_queue_.fail();
                              self->close_stdin();
                              if (lost > 0) {
                                  ec = as_errno(ec);
                                  self->handlers_.emit_error({errc::undelivered, ec,
                                                              "stdin: " + std::to_string(lost) +
                                                                  " bytes not written: " + describe(ec)});
                              }
                              return;
                          }
                          if (self->stdin_queue_.written(n)) {
                              self->handlers_.run([&] {
                                  if (self->handlers_.drain) self->handlers_.drain();
                              });
                          }
                          self->pump_stdin();
                      }));
}

void ProcessImpl::close_stdin() {
    stdin_queue_.fail();
    if (stdin_) {
        std::error_code ignored;
        stdin_->close(ignored);
    }
}

void ProcessImpl::maybe_close() {
    if (closed_ || !exited_ || open_readers_ > 0) return;
    closed_ = true;
    handlers_.run([this] {
        if (handlers_.close) handlers_.close(status_);
    });
}

std::error_code ProcessImpl::kill(int signal) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (pidfd_ < 0) return errc::process_exited;
    const std::error_code error = signal_pidfd(pidfd_, signal);
    if (error.value() == ESRCH) return errc::process_exited;
    if (error.value() == EINVAL) return errc::invalid_argument;
    return error;
}

std::error_code ProcessImpl::kill_group(int signal) {
    if (!options_.detached) return errc::invalid_argument;
    std::lock_guard<std::mutex> lock(mutex_);
    if (pid_.load() < 0) return errc::process_exited;
    // The group's id is the leader's pid, which Linux does not hand out again while any member of
    // the group lives, so this reaches what is left of the group after the child was reaped. Once
    // the whole group is gone, the pid may be reused: the same window as Node's kill(-pid).
    if (::kill(-pid_.load(), signal) < 0) {
        if (errno == ESRCH) return errc::process_exited;
        if (errno == EINVAL) return errc::invalid_argument;
        return {errno, std::system_category()};
    }
    return {};
}

std::error_code ProcessImpl::write(std::string_view bytes) {
    if (const auto error = stdin_queue_.push(bytes)) return error;
    asio::post(strand_, [self = shared_from_this()] { self->pump_stdin(); });
    return {};
}

void ProcessImpl::end_stdin() {
    stdin_queue_.end();
    asio::post(strand_, [self = shared_from_this()] { self->pump_stdin(); });
}

void ProcessImpl::destroy() {
    handlers_.close_all();
    asio::post(strand_, [self = shared_from_this()] {
        if (!self->exited_ && self->options_.on_destroy == OnDestroy::kill) self->kill(SIGKILL);
        if (self->options_.on_destroy == OnDestroy::detach) self->timeout_.cancel();
        self->close_stdin();
        for (auto& reader : self->readers_) {
            if (reader) {
                std::error_code ignored;
                reader->socket.close(ignored);
            }
        }
    });
}

}  // namespace ipcxx::detail
