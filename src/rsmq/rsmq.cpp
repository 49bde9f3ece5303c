#include "ipcxx/rsmq.hpp"

#include <utility>

#include "ipcxx/error.hpp"
#include "rsmq/rsmq_impl.hpp"

namespace ipcxx {
namespace rsmq_api_impl {

template <class T>
struct FutureResult {
    std::shared_ptr<std::promise<T>> promise = std::make_shared<std::promise<T>>();

    void fail(const RsmqError& error) const {
        promise->set_exception(std::make_exception_ptr(Error(error.code, error.message)));
    }
    // The handler that settles the future with the callback's value.
    template <class... Args>
    auto handler() const {
        return [promise = promise, self = *this](const RsmqError& error, Args... value) {
            if (error) return self.fail(error);
            if constexpr (sizeof...(Args) == 0) {
                promise->set_value();
            } else {
                promise->set_value(std::move(value)...);
            }
        };
    }
};

}  // namespace rsmq_api_impl

using rsmq_api_impl::FutureResult;

Rsmq::Rsmq(RedisOptions redis, RsmqOptions options) {
    auto thread = detail::IoThread::start(std::chrono::microseconds(0));
    auto client = std::make_shared<RedisClient>(thread->context(), std::move(redis));
    auto& io = thread->context();
    impl_ = std::make_shared<detail::RsmqImpl>(io, std::move(thread), std::move(client), true, std::move(options));
}

Rsmq::Rsmq(asio::io_context& io, RedisOptions redis, RsmqOptions options)
    : impl_(std::make_shared<detail::RsmqImpl>(io, nullptr, std::make_shared<RedisClient>(io, std::move(redis)), true,
                                               std::move(options))) {}

Rsmq::Rsmq(asio::io_context& io, std::shared_ptr<RedisClient> client, RsmqOptions options)
    : impl_(std::make_shared<detail::RsmqImpl>(io, nullptr, std::move(client), false, std::move(options))) {}

Rsmq::~Rsmq() { impl_->close(); }

void Rsmq::create_queue(RsmqQueueOptions queue, DoneHandler done) {
    impl_->create_queue(std::move(queue), std::move(done));
}
std::future<void> Rsmq::create_queue(RsmqQueueOptions queue) {
    FutureResult<void> result;
    impl_->create_queue(std::move(queue), result.handler<>());
    return result.promise->get_future();
}

void Rsmq::list_queues(NamesHandler done) { impl_->list_queues(std::move(done)); }
std::future<std::vector<std::string>> Rsmq::list_queues() {
    FutureResult<std::vector<std::string>> result;
    impl_->list_queues(result.handler<std::vector<std::string>>());
    return result.promise->get_future();
}

void Rsmq::delete_queue(std::string qname, DoneHandler done) { impl_->delete_queue(std::move(qname), std::move(done)); }
std::future<void> Rsmq::delete_queue(std::string qname) {
    FutureResult<void> result;
    impl_->delete_queue(std::move(qname), result.handler<>());
    return result.promise->get_future();
}

void Rsmq::get_queue_attributes(std::string qname, AttributesHandler done) {
    impl_->get_queue_attributes(std::move(qname), std::move(done));
}
std::future<RsmqQueueAttributes> Rsmq::get_queue_attributes(std::string qname) {
    FutureResult<RsmqQueueAttributes> result;
    impl_->get_queue_attributes(std::move(qname), result.handler<RsmqQueueAttributes>());
    return result.promise->get_future();
}

void Rsmq::set_queue_attributes(std::string qname, RsmqAttributeChanges changes, AttributesHandler done) {
    impl_->set_queue_attributes(std::move(qname), changes, std::move(done));
}
std::future<RsmqQueueAttributes> Rsmq::set_queue_attributes(std::string qname, RsmqAttributeChanges changes) {
    FutureResult<RsmqQueueAttributes> result;
    impl_->set_queue_attributes(std::move(qname), changes, result.handler<RsmqQueueAttributes>());
    return result.promise->get_future();
}

void Rsmq::send_message(std::string qname, std::string message, std::optional<long long> delay, IdHandler done) {
    impl_->send_message(std::move(qname), std::move(message), delay, std::move(done));
}
std::future<std::string> Rsmq::send_message(std::string qname, std::string message, std::optional<long long> delay) {
    FutureResult<std::string> result;
    impl_->send_message(std::move(qname), std::move(message), delay, result.handler<std::string>());
    return result.promise->get_future();
}

void Rsmq::receive_message(std::string qname, std::optional<long long> vt, MessageHandler done) {
    impl_->receive_message(std::move(qname), vt, std::move(done));
}
std::future<std::optional<RsmqMessage>> Rsmq::receive_message(std::string qname, std::optional<long long> vt) {
    FutureResult<std::optional<RsmqMessage>> result;
    impl_->receive_message(std::move(qname), vt, result.handler<std::optional<RsmqMessage>>());
    return result.promise->get_future();
}

void Rsmq::pop_message(std::string qname, MessageHandler done) {
    impl_->pop_message(std::move(qname), std::move(done));
}
std::future<std::optional<RsmqMessage>> Rsmq::pop_message(std::string qname) {
    FutureResult<std::optional<RsmqMessage>> result;
    impl_->pop_message(std::move(qname), result.handler<std::optional<RsmqMessage>>());
    return result.promise->get_future();
}

void Rsmq::delete_message(std::string qname, std::string id, FoundHandler done) {
    impl_->delete_message(std::move(qname), std::move(id), std::move(done));
}
std::future<bool> Rsmq::delete_message(std::string qname, std::string id) {
    FutureResult<bool> result;
    impl_->delete_message(std::move(qname), std::move(id), result.handler<bool>());
    return result.promise->get_future();
}

void Rsmq::change_message_visibility(std::string qname, std::string id, long long vt, FoundHandler done) {
    impl_->change_message_visibility(std::move(qname), std::move(id), vt, std::move(done));
}
std::future<bool> Rsmq::change_message_visibility(std::string qname, std::string id, long long vt) {
    FutureResult<bool> result;
    impl_->change_message_visibility(std::move(qname), std::move(id), vt, result.handler<bool>());
    return result.promise->get_future();
}

void Rsmq::receive_message_wait(std::string qname, RsmqWaitOptions options, MessageHandler done) {
    impl_->receive_message_wait(std::move(qname), std::move(options), std::move(done));
}
std::future<std::optional<RsmqMessage>> Rsmq::receive_message_wait(std::string qname, RsmqWaitOptions options) {
    FutureResult<std::optional<RsmqMessage>> result;
    impl_->receive_message_wait(std::move(qname), std::move(options), result.handler<std::optional<RsmqMessage>>());
    return result.promise->get_future();
}

}  // namespace ipcxx
