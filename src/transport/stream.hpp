// The byte stream under a connection: the plain socket today, the seam where an encrypted layer
// goes. Operations forward to the socket directly (templates, no type erasure), so the plain path
// costs no allocation or copy beyond the socket's own.
#pragma once

#include <system_error>
#include <utility>

#include <asio/write.hpp>

#include "transport/endpoint.hpp"

namespace ipcxx::detail {

class Stream {
public:
    explicit Stream(GenericSocket socket) : socket_(std::move(socket)) {}

    template <class MutableBuffers, class Handler>
    void async_read_some(const MutableBuffers& buffers, Handler&& handler) {
        socket_.async_read_some(buffers, std::forward<Handler>(handler));
    }

    // Writes all of `buffers` (asio::async_write semantics).
    template <class ConstBuffers, class Handler>
    void async_write(const ConstBuffers& buffers, Handler&& handler) {
        asio::async_write(socket_, buffers, std::forward<Handler>(handler));
    }

    // No more writes; reads go on until the peer closes.
    void shutdown_send() {
        std::error_code ignored;
        socket_.shutdown(asio::socket_base::shutdown_send, ignored);
    }

    // Aborts pending operations and releases the descriptor.
    void close() {
        std::error_code ignored;
        socket_.shutdown(asio::socket_base::shutdown_both, ignored);
        socket_.close(ignored);
    }

private:
    GenericSocket socket_;
};

}  // namespace ipcxx::detail
