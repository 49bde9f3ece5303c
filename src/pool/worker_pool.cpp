#include "ipcxx/worker_pool.hpp"

#include "ipcxx/detail/future_response.hpp"
#include "pool/child_worker_link.hpp"
#include "pool/pool_impl.hpp"
#include "process/process_thread.hpp"

namespace ipcxx {

WorkerPool::WorkerPool(WorkerPoolOptions options) {
    detail::SharedIo io = detail::process_io();
    auto links = detail::child_worker_links(io.io, io.keepalive, options);
    impl_ = std::make_shared<detail::PoolImpl>(io.io, std::move(io.keepalive), std::move(options), std::move(links));
}

WorkerPool::WorkerPool(asio::io_context& io, WorkerPoolOptions options) {
    auto links = detail::child_worker_links(io, nullptr, options);
    impl_ = std::make_shared<detail::PoolImpl>(io, nullptr, std::move(options), std::move(links));
}

WorkerPool::~WorkerPool() { impl_->destroy(); }

void WorkerPool::on_worker_spawn(std::function<void(std::uint64_t, pid_t)> handler) {
    impl_->handlers().worker_spawn = std::move(handler);
}
void WorkerPool::on_worker_exit(std::function<void(std::uint64_t, ExitStatus)> handler) {
    impl_->handlers().worker_exit = std::move(handler);
}
void WorkerPool::on_error(std::function<void(std::uint64_t, const ProcessError&)> handler) {
    impl_->handlers().error = std::move(handler);
}
void WorkerPool::on_stopped(std::function<void()> handler) { impl_->handlers().stopped = std::move(handler); }

std::error_code WorkerPool::start() { return impl_->start(); }

RequestId WorkerPool::request_packed(std::string_view event, std::string_view msgpack_args,
                                     std::chrono::milliseconds timeout, ResponseHandler on_response) {
    return impl_->request(event, msgpack_args, timeout, std::move(on_response));
}

std::future<Payload> WorkerPool::request_future_packed(std::string_view event, std::string_view msgpack_args,
                                                       std::chrono::milliseconds timeout) {
    if (impl_->on_io_thread()) return detail::would_deadlock_future(event);
    auto [handler, future] = detail::future_response();
    impl_->request(event, msgpack_args, timeout, std::move(handler));
    return std::move(future);
}

void WorkerPool::cancel(RequestId id) { impl_->cancel(id); }
std::error_code WorkerPool::resize(std::size_t size) { return impl_->resize(size); }
void WorkerPool::shutdown(bool graceful) { impl_->shutdown(graceful); }
WorkerPoolStats WorkerPool::stats() const { return impl_->stats(); }
std::chrono::milliseconds WorkerPool::request_timeout() const noexcept { return impl_->options().request_timeout; }

}  // namespace ipcxx
