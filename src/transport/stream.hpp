// The byte stream under a connection: a plain socket, or another kind (TLS, transport/tls.hpp; an
// in-memory test stream) behind the ByteStream seam (transport/byte_stream.hpp). Operations forward
// to the socket directly (templates, no type erasure), so the plain path costs no allocation or
// copy beyond the socket's own; the other kinds are one branch away.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <system_error>
#include <utility>

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#if defined(__linux__)
#include <linux/sockios.h>
#endif

#include <asio/associated_executor.hpp>
#include <asio/dispatch.hpp>
#include <asio/write.hpp>

#include "transport/byte_stream.hpp"
#include "transport/endpoint.hpp"

namespace ipcxx::detail {

class Stream {
public:
    // Non-blocking, so that write_now never waits (asynchronous operations are unaffected).
    explicit Stream(GenericSocket socket) : socket_(std::move(socket)) {
        std::error_code ignored;
        socket_.non_blocking(true, ignored);
    }
    // Another kind of stream; `executor` runs completions that have no executor of their own.
    Stream(std::unique_ptr<ByteStream> other, const GenericSocket::executor_type& executor)
        : socket_(executor), other_(std::move(other)) {}

    template <class MutableBuffers, class Handler>
    void async_read_some(const MutableBuffers& buffers, Handler&& handler) {
        if (other_) return other_->async_read_some(first_buffer(buffers), completion(std::forward<Handler>(handler)));
        socket_.async_read_some(buffers, std::forward<Handler>(handler));
    }

    // A plain socket: readable when it says so (async_wait_readable, then read_now), so that no
    // read buffer waits with it. Other kinds read through async_read_some.
    bool plain() const noexcept { return !other_; }

    // Plain socket only: `handler(ec, ...)` once bytes or the end of the stream can be read.
    // `one_thread`: a single thread runs the io_context, so a plain wait for readiness (no system
    // call) cannot miss readiness that came while the caller read: the edge waits in epoll until
    // that thread polls again. Otherwise another thread may have taken that edge meanwhile, so a
    // one-byte peek is made instead: Asio tries a receive before it waits.
    template <class Handler>
    void async_wait_readable(bool one_thread, Handler&& handler) {
        if (one_thread) return socket_.async_wait(asio::socket_base::wait_read, std::forward<Handler>(handler));
        socket_.async_receive(asio::buffer(&peeked_, 1), asio::socket_base::message_peek,
                              std::forward<Handler>(handler));
    }

    // Plain socket only: reads what is there without waiting; 0 when nothing is (`ec` clear).
    std::size_t read_now(asio::mutable_buffer buffer, std::error_code& ec) {
        const std::size_t n = socket_.read_some(buffer, ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) {
            ec.clear();
            return 0;
        }
        return n;
    }

    // Writes all of `buffers` (asio::async_write semantics).
    template <class ConstBuffers, class Handler>
    void async_write(const ConstBuffers& buffers, Handler&& handler) {
        if (other_) return other_->async_write(to_vector(buffers), completion(std::forward<Handler>(handler)));
        asio::async_write(socket_, buffers, std::forward<Handler>(handler));
    }

    // Writes what the socket takes at once, without waiting: the bytes written, 0 when it would
    // block (`ec` is then clear). Most writes complete here, with no completion handler to run.
    template <class ConstBuffers>
    std::size_t write_now(const ConstBuffers& buffers, std::error_code& ec) {
        if (other_) return other_->write_now(to_vector(buffers), ec);
        const std::size_t n = socket_.write_some(buffers, ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) {
            ec.clear();
            return 0;
        }
        return n;
    }

    // Plain socket only: waits, blocking this thread, until the socket takes bytes or `limit`
    // passes; true when it takes bytes (or has failed: the next write says how).
    bool wait_writable(std::chrono::microseconds limit) {
        pollfd writable{socket_.native_handle(), POLLOUT, 0};
        const timespec timeout{static_cast<time_t>(limit.count() / 1000000), static_cast<long>(limit.count() % 1000000) * 1000};
        return ::ppoll(&writable, 1, &timeout, nullptr) > 0;
    }

    // No more writes; reads go on until the peer closes.
    void shutdown_send() {
        if (other_) return other_->shutdown_send();
        std::error_code ignored;
        socket_.shutdown(asio::socket_base::shutdown_send, ignored);
    }

    // A TCP socket without TLS: the bytes on the wire are the frames as written.
    bool plain_tcp() const {
        std::error_code ec;
        return !other_ && is_tcp(socket_.local_endpoint(ec)) && !ec;
    }

    // A plain Unix domain socket: the kernel ends the stream of a peer whose process died.
    bool plain_unix() const {
        std::error_code ec;
        const auto local = socket_.local_endpoint(ec);
        return !other_ && !ec && local.protocol().family() == AF_UNIX;
    }

    // Bytes written that the peer's TCP has not acknowledged (Linux); nullopt when unknown.
    std::optional<std::uint64_t> unacknowledged_bytes() {
        if (other_) return other_->unacknowledged_bytes();
#if defined(SIOCOUTQ)
        int bytes = 0;
        if (::ioctl(socket_.native_handle(), SIOCOUTQ, &bytes) == 0 && bytes >= 0) return static_cast<std::uint64_t>(bytes);
#endif
        return std::nullopt;
    }

    // For a dead link: stops writing, and makes close() reset the connection, discarding what the
    // peer has not acknowledged (a socket left to deliver it whenever the link came back would put
    // it behind what the next connection sent). Returns how many bytes that is.
    std::optional<std::uint64_t> abort() {
        if (other_) return other_->abort();
        std::error_code ignored;
        socket_.cancel(ignored);  // no write runs after this: the count below is final
        const auto unacknowledged = unacknowledged_bytes();
        socket_.set_option(asio::socket_base::linger(true, 0), ignored);
        return unacknowledged;
    }

    // Aborts pending operations and releases the descriptor.
    void close() {
        if (other_) return other_->close();
        std::error_code ignored;
        socket_.shutdown(asio::socket_base::shutdown_both, ignored);
        socket_.close(ignored);
    }

private:
    // A handler bound to an executor (a strand) runs there, as an Asio operation would run it.
    template <class Handler>
    ByteStream::Completion completion(Handler&& handler) {
        return [h = std::forward<Handler>(handler), fallback = socket_.get_executor()](std::error_code ec,
                                                                                      std::size_t n) mutable {
            const auto executor = asio::get_associated_executor(h, fallback);
            asio::dispatch(executor, [h = std::move(h), ec, n]() mutable { h(ec, n); });
        };
    }
    template <class MutableBuffers>
    static asio::mutable_buffer first_buffer(const MutableBuffers& buffers) {
        return *asio::buffer_sequence_begin(buffers);
    }
    template <class ConstBuffers>
    static std::vector<asio::const_buffer> to_vector(const ConstBuffers& buffers) {
        return {asio::buffer_sequence_begin(buffers), asio::buffer_sequence_end(buffers)};
    }

    GenericSocket socket_;  // the plain socket; unused under another kind
    char peeked_ = 0;       // where async_wait_readable's peek puts the byte it leaves unread
    std::unique_ptr<ByteStream> other_;
};

}  // namespace ipcxx::detail
