// The public RedisClient and RedisScript: thin forwards to RedisImpl.
#include <future>

#include "ipcxx/error.hpp"
#include "ipcxx/redis.hpp"
#include "redis/cluster_impl.hpp"
#include "redis/cluster_url.hpp"
#include "redis/redis_impl.hpp"
#include "redis/sha1.hpp"

namespace ipcxx {

RedisScript::RedisScript(std::string script) : text(std::move(script)), sha1(detail::sha1_hex(text)) {}

RedisClient::RedisClient(RedisOptions options) : options_(options) {
    auto thread = detail::IoThread::start(std::chrono::microseconds(0));
    asio::io_context& io = thread->context();
    if (detail::is_cluster_url(options.url)) {
        cluster_ = detail::RedisClusterImpl::create(std::move(thread), io, std::move(options));
    } else {
        impl_ = detail::RedisImpl::create(std::move(thread), io, std::move(options), std::nullopt, "RedisClient");
    }
}

RedisClient::RedisClient(asio::io_context& io, RedisOptions options) : options_(options) {
    if (detail::is_cluster_url(options.url)) {
        cluster_ = detail::RedisClusterImpl::create(nullptr, io, std::move(options));
    } else {
        impl_ = detail::RedisImpl::create(nullptr, io, std::move(options), std::nullopt, "RedisClient");
    }
}

RedisClient::~RedisClient() { cluster_ ? cluster_->destroy() : impl_->destroy(); }

void RedisClient::on_connect(std::function<void()> handler) {
    cluster_ ? cluster_->on_connect(std::move(handler)) : impl_->on_connect(std::move(handler));
}
void RedisClient::on_disconnect(std::function<void(std::error_code)> handler) {
    cluster_ ? cluster_->on_disconnect(std::move(handler)) : impl_->on_disconnect(std::move(handler));
}
void RedisClient::on_error(std::function<void(std::error_code, const std::string&)> handler) {
    cluster_ ? cluster_->on_error(std::move(handler)) : impl_->on_error(std::move(handler));
}

void RedisClient::command(std::vector<std::string> args, ReplyHandler on_reply) {
    cluster_ ? cluster_->command(std::move(args), std::move(on_reply)) : impl_->command(std::move(args), std::move(on_reply));
}

std::future<RedisReply> RedisClient::command(std::vector<std::string> args) {
    auto promise = std::make_shared<std::promise<RedisReply>>();
    std::future<RedisReply> future = promise->get_future();
    if (cluster_ ? cluster_->on_io_thread() : impl_->on_io_thread()) {
        promise->set_exception(std::make_exception_ptr(
            Error(make_error_code(errc::would_deadlock),
                  "the future form of RedisClient::command was called on the client's I/O thread, where get() "
                  "would wait for ever: use the callback form")));
        return future;
    }
    command(std::move(args), [promise](std::error_code ec, RedisReply reply) {
        if (!ec) return promise->set_value(std::move(reply));
        const std::string what = reply.kind == RedisReply::Kind::error ? reply.text : std::string("Redis command");
        promise->set_exception(std::make_exception_ptr(Error(ec, what)));
    });
    return future;
}

void RedisClient::eval(const RedisScript& script, std::vector<std::string> keys, std::vector<std::string> args,
                       ReplyHandler on_reply) {
    if (cluster_) return cluster_->eval(script, std::move(keys), std::move(args), std::move(on_reply));
    impl_->eval(script, keys, args, std::move(on_reply));
}

void RedisClient::connect() { cluster_ ? cluster_->connect() : impl_->start(); }

void RedisClient::close() { cluster_ ? cluster_->close() : impl_->close(); }

bool RedisClient::connected() const noexcept { return cluster_ ? cluster_->connected() : impl_->connected(); }

}  // namespace ipcxx
