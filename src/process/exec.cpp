// exec_file / exec / spawn_sync, built on ChildProcess alone.
#include "ipcxx/exec.hpp"

#include <algorithm>
#include <memory>

#include <asio/io_context.hpp>

#include "ipcxx/error.hpp"

namespace ipcxx {

namespace {

// One buffered run: alive while its child's handlers hold it, released at `close`.
class Run : public std::enable_shared_from_this<Run> {
public:
    Run(std::shared_ptr<ChildProcess> child, const ExecOptions& options, std::function<void(ExecResult)> done)
        : child_(std::move(child)), options_(options), done_(std::move(done)) {}

    void start(const std::string& program, const std::vector<std::string>& args) {
        SpawnOptions spawn = options_;
        spawn.stdio.resize(std::max<std::size_t>(spawn.stdio.size(), 3), StdioSlot::pipe());
        for (std::size_t fd = 0; fd < 3; ++fd) spawn.stdio[fd] = StdioSlot::pipe();
        spawn.max_stdin_queue = std::max(spawn.max_stdin_queue, options_.input.size());
        auto self = shared_from_this();
        // From spawn() on, `close` may come on the I/O thread at any moment and release child_:
        // this call holds the child until it returns, and what follows the start runs in `spawn`.
        const std::shared_ptr<ChildProcess> child = child_;
        child->on_spawn([self] {
            self->result_.pid = self->child_->pid();
            if (!self->options_.input.empty()) self->child_->write(self->options_.input);
            self->child_->end_stdin();
        });
        child->on_stdout([self](std::string_view bytes) { self->collect(self->result_.out, bytes, "stdout"); });
        child->on_stderr([self](std::string_view bytes) { self->collect(self->result_.err, bytes, "stderr"); });
        child->on_error([self](const ProcessError& error) {
            if (self->result_.error) return;
            self->result_.error = error.code;
            self->result_.cause = error.cause;
            self->result_.message = error.message;
        });
        child->on_close([self](ExitStatus status) { self->finish(status); });
        if (const auto error = child->spawn(program, args, spawn)) {
            result_.error = error;
            result_.message = "exec " + program + ": invalid options";
            finish({});
        }
    }

private:
    void collect(std::string& into, std::string_view bytes, const char* stream) {
        if (into.size() + bytes.size() <= options_.max_buffer) {
            into.append(bytes);
            return;
        }
        into.append(bytes.substr(0, options_.max_buffer - into.size()));
        if (result_.error == errc::max_buffer_exceeded) return;
        result_.error = errc::max_buffer_exceeded;
        result_.message = std::string(stream) + " exceeded max_buffer (" + std::to_string(options_.max_buffer) +
                          " bytes); child killed";
        child_->kill(options_.kill_signal);
    }

    void finish(ExitStatus status) {
        result_.status = status;
        if (!result_.error) {
            if (status.timed_out) {
                result_.error = errc::process_timeout;
                result_.message = "killed at its timeout (" + std::to_string(options_.timeout.count()) + " ms)";
            } else if (status.signal) {
                result_.error = errc::process_failed;
                result_.message = "killed by " + signal_name(*status.signal);
            } else if (!status.code) {
                result_.error = errc::exit_status_unknown;
                result_.message = "exit status unknown";
            } else if (*status.code != 0) {
                result_.error = errc::process_failed;
                result_.message = "exited with code " + std::to_string(*status.code);
            }
        }
        // Released from inside its own handler: safe, the child's state lives until it is reaped.
        // Handlers run on the strand, so no other handler of this run uses child_ meanwhile.
        child_.reset();
        auto done = std::move(done_);
        done(std::move(result_));
    }

    std::shared_ptr<ChildProcess> child_;
    ExecOptions options_;
    std::function<void(ExecResult)> done_;
    ExecResult result_;
};

void run(std::shared_ptr<ChildProcess> child, const std::string& program, const std::vector<std::string>& args,
         const ExecOptions& options, std::function<void(ExecResult)> done) {
    std::make_shared<Run>(std::move(child), options, std::move(done))->start(program, args);
}

}  // namespace

void exec_file(const std::string& program, const std::vector<std::string>& args, const ExecOptions& options,
               std::function<void(ExecResult)> done) {
    run(std::make_shared<ChildProcess>(), program, args, options, std::move(done));
}

void exec_file(asio::io_context& io, const std::string& program, const std::vector<std::string>& args,
               const ExecOptions& options, std::function<void(ExecResult)> done) {
    run(std::make_shared<ChildProcess>(io), program, args, options, std::move(done));
}

void exec(const std::string& command, const ExecOptions& options, std::function<void(ExecResult)> done) {
    ExecOptions shell = options;
    shell.shell = true;
    exec_file(command, {}, shell, std::move(done));
}

ExecResult spawn_sync(const std::string& program, const std::vector<std::string>& args, const ExecOptions& options) {
    asio::io_context io;
    ExecResult result;
    exec_file(io, program, args, options, [&result](ExecResult r) { result = std::move(r); });
    io.run();
    return result;
}

}  // namespace ipcxx
