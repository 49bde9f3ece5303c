// An in-memory stream pair for unit tests, in the manner of Beast's test::stream: what one end
// writes, the other reads, all on one io_context and without sockets. A FailCount shared by both
// ends makes the Nth operation (read, write or write_now, counted across the pair) fail with a
// given error, so that a test can fail every operation in turn; it also counts the bytes a closing
// end threw away unread (what a peer wrote into a link that then died).
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <asio/error.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include "transport/byte_stream.hpp"

namespace test {

class FailCount {
public:
    // Operation `n` (1-based) fails with `error`; 0 never fails.
    explicit FailCount(std::size_t n, std::error_code error = asio::error::connection_reset)
        : n_(n), error_(error) {}
    // Counts one operation; the error when it is the one to fail.
    std::error_code next() { return ++count_ == n_ ? error_ : std::error_code{}; }
    bool fired() const noexcept { return n_ > 0 && count_ >= n_; }
    void discard(std::size_t bytes) noexcept { discarded_ += bytes; }
    std::size_t discarded() const noexcept { return discarded_; }

private:
    std::size_t n_;
    std::size_t count_ = 0;
    std::error_code error_;
    std::size_t discarded_ = 0;
};

class TestStream : public ipcxx::detail::ByteStream {
public:
    static std::pair<std::unique_ptr<TestStream>, std::unique_ptr<TestStream>> pair(
        asio::io_context& io, std::shared_ptr<FailCount> fail = std::make_shared<FailCount>(0)) {
        auto ab = std::make_shared<Pipe>(), ba = std::make_shared<Pipe>();
        return {std::unique_ptr<TestStream>(new TestStream(io, ba, ab, fail)),
                std::unique_ptr<TestStream>(new TestStream(io, ab, ba, fail))};
    }

    void async_read_some(asio::mutable_buffer buffer, Completion done) override {
        if (auto ec = fail_->next()) return complete(std::move(done), ec, 0);
        if (closed_) return complete(std::move(done), asio::error::operation_aborted, 0);
        in_->reader = std::move(done);
        in_->into = buffer;
        serve(io_, in_);
    }

    void async_write(std::vector<asio::const_buffer> buffers, Completion done) override {
        std::error_code ec;
        const std::size_t n = write_now(buffers, ec);
        complete(std::move(done), ec, n);
    }

    std::size_t write_now(const std::vector<asio::const_buffer>& buffers, std::error_code& ec) override {
        if (auto injected = fail_->next()) {
            ec = injected;
            return 0;
        }
        if (closed_) {
            ec = asio::error::bad_descriptor;
            return 0;
        }
        if (out_->write_shut || out_->reader_gone) {
            ec = asio::error::broken_pipe;
            return 0;
        }
        std::size_t n = 0;
        for (const auto& b : buffers) {
            out_->bytes.append(static_cast<const char*>(b.data()), b.size());
            n += b.size();
        }
        serve(io_, out_);
        return n;
    }

    void shutdown_send() override {
        out_->write_shut = true;
        serve(io_, out_);
    }

    void close() override {
        if (closed_) return;
        closed_ = true;
        out_->write_shut = true;
        serve(io_, out_);
        in_->reader_gone = true;
        fail_->discard(in_->bytes.size());
        in_->bytes.clear();
        if (in_->reader) complete(std::exchange(in_->reader, {}), asio::error::operation_aborted, 0);
    }

    ~TestStream() override { close(); }

private:
    // One direction: bytes written and not read yet, and the read waiting for them.
    struct Pipe {
        std::string bytes;
        bool write_shut = false;   // the writer is done: the reader gets eof after the bytes
        bool reader_gone = false;  // the reading end closed: writes fail
        Completion reader;
        asio::mutable_buffer into;
    };

    TestStream(asio::io_context& io, std::shared_ptr<Pipe> in, std::shared_ptr<Pipe> out,
               std::shared_ptr<FailCount> fail)
        : io_(io), in_(std::move(in)), out_(std::move(out)), fail_(std::move(fail)) {}

    // Completions run from the io_context, never inside the call that started the operation.
    void complete(Completion done, std::error_code ec, std::size_t n) {
        asio::post(io_, [done = std::move(done), ec, n] { done(ec, n); });
    }

    // Completes the read waiting on `pipe` if there is something for it.
    static void serve(asio::io_context& io, const std::shared_ptr<Pipe>& pipe) {
        if (!pipe->reader || (pipe->bytes.empty() && !pipe->write_shut)) return;
        auto done = std::exchange(pipe->reader, {});
        const std::size_t n = std::min(pipe->bytes.size(), pipe->into.size());
        std::copy_n(pipe->bytes.data(), n, static_cast<char*>(pipe->into.data()));
        pipe->bytes.erase(0, n);
        const std::error_code ec = n == 0 ? std::error_code(asio::error::eof) : std::error_code{};
        asio::post(io, [done = std::move(done), ec, n] { done(ec, n); });
    }

    asio::io_context& io_;
    std::shared_ptr<Pipe> in_, out_;
    std::shared_ptr<FailCount> fail_;
    bool closed_ = false;
};

}  // namespace test
