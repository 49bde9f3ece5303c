// The server's I/O threads: where it sits among the layers and its threading are in docs/ARCHITECTURE.md.
#include "server/connection_threads.hpp"

#include <unistd.h>

#include <asio/strand.hpp>

namespace ipcxx::detail {

ConnectionThreads::ConnectionThreads(asio::io_context& first, std::shared_ptr<void> first_keepalive,
                                     std::size_t count, std::chrono::microseconds busy_poll)
    : first_(first), first_keepalive_(std::move(first_keepalive)) {
    for (std::size_t i = 1; i < count; ++i) started_.push_back(IoThread::start(busy_poll));
}

ConnectionThreads::Place ConnectionThreads::next() {
    const std::size_t turn = turn_.fetch_add(1, std::memory_order_relaxed) % size();
    if (turn == 0) return Place{asio::make_strand(first_), first_keepalive_};
    const auto& thread = started_[turn - 1];
    return Place{asio::make_strand(thread->context()), thread};
}

std::error_code ConnectionThreads::move_to(GenericSocket& socket, const Strand& strand) {
    std::error_code ec;
    const auto protocol = socket.local_endpoint(ec).protocol();
    if (ec) return ec;
    const auto fd = socket.release(ec);
    if (ec) return ec;
    GenericSocket moved(strand);
    moved.assign(protocol, fd, ec);
    if (ec) {
        ::close(fd);
        return ec;
    }
    socket = std::move(moved);
    return {};
}

bool ConnectionThreads::running_in_this_thread() const noexcept {
    if (first_.get_executor().running_in_this_thread()) return true;
    for (const auto& thread : started_) {
        if (thread->in_this_thread()) return true;
    }
    return false;
}

void release_server_threads(const std::shared_ptr<IoThread>& own, const ConnectionThreads& threads,
                            const std::function<void()>& close_events) {
    // The started threads end first, while the server's own thread still runs what they post to
    // its strand (request completions, error reports) as they wind down.
    std::vector<std::shared_ptr<IoThread>> all(threads.started());
    if (own) all.push_back(own);
    if (!threads.running_in_this_thread()) {
        for (const auto& thread : all) thread->finish();
    }
    close_events();
    // Now the server's own thread first: what it runs of the leftovers may post to the others.
    for (auto it = all.rbegin(); it != all.rend(); ++it) (*it)->finish();
}

}  // namespace ipcxx::detail
