#include "ipcxx/child_process.hpp"

#include <cstring>

#include "channel/channel_impl.hpp"
#include "process/process_impl.hpp"
#include "process/process_thread.hpp"

namespace ipcxx {

std::string signal_name(int signal) {
    const char* abbrev = ::sigabbrev_np(signal);
    return abbrev != nullptr ? std::string("SIG") + abbrev : std::to_string(signal);
}

ChildProcess::ChildProcess() {
    detail::SharedIo io = detail::process_io();
    auto channel = std::make_shared<detail::ChannelImpl>(io.io, io.keepalive, ChannelOptions{});
    impl_ = std::make_shared<detail::ProcessImpl>(io.io, std::move(io.keepalive));
    impl_->set_channel(channel);
    channel_ = detail::ChannelFactory::make(std::move(channel));
}

ChildProcess::ChildProcess(asio::io_context& io) : impl_(std::make_shared<detail::ProcessImpl>(io, nullptr)) {
    auto channel = std::make_shared<detail::ChannelImpl>(io, nullptr, ChannelOptions{});
    impl_->set_channel(channel);
    channel_ = detail::ChannelFactory::make(std::move(channel));
}

ChildProcess::~ChildProcess() { impl_->destroy(); }

void ChildProcess::on_spawn(std::function<void()> handler) { impl_->handlers().spawn = std::move(handler); }
void ChildProcess::on_error(std::function<void(const ProcessError&)> handler) {
    impl_->handlers().error = std::move(handler);
}
void ChildProcess::on_exit(std::function<void(ExitStatus)> handler) { impl_->handlers().exit = std::move(handler); }
void ChildProcess::on_close(std::function<void(ExitStatus)> handler) { impl_->handlers().close = std::move(handler); }
void ChildProcess::on_data(std::function<void(int, std::string_view)> handler) {
    impl_->handlers().data = std::move(handler);
}
void ChildProcess::on_stdout(std::function<void(std::string_view)> handler) {
    impl_->handlers().data_of_fd[1] = std::move(handler);
}
void ChildProcess::on_stderr(std::function<void(std::string_view)> handler) {
    impl_->handlers().data_of_fd[2] = std::move(handler);
}
Channel& ChildProcess::channel() noexcept { return *channel_; }

void ChildProcess::on_drain(std::function<void()> handler) { impl_->handlers().drain = std::move(handler); }

std::error_code ChildProcess::spawn(const std::string& program, const std::vector<std::string>& args,
                                    const SpawnOptions& options) {
    return impl_->spawn(program, args, options);
}

pid_t ChildProcess::pid() const noexcept { return impl_->pid(); }
std::error_code ChildProcess::kill(int signal) { return impl_->kill(signal); }
std::error_code ChildProcess::kill_group(int signal) { return impl_->kill_group(signal); }
std::error_code ChildProcess::write(std::string_view bytes) { return impl_->write(bytes); }
void ChildProcess::end_stdin() { impl_->end_stdin(); }

}  // namespace ipcxx
