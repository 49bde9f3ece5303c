// Where this sits among the layers and its threading are in docs/ARCHITECTURE.md.
#include "server/write_starts.hpp"

#include <asio/dispatch.hpp>
#include <asio/post.hpp>

#include "server/server_connection.hpp"

namespace ipcxx::detail {

void WriteStarts::add(asio::io_context& thread, std::uint32_t index) {
    // Linear: as many entries as I/O threads, and the last one is the likeliest.
    for (auto it = threads_.rbegin(); it != threads_.rend(); ++it) {
        if (it->context == &thread) return it->indexes.push_back(index);
    }
    threads_.push_back(Thread{&thread, {index}});
}

void WriteStarts::post(const std::shared_ptr<const Subscribers>& subscribers) {
    for (Thread& thread : threads_) {
        asio::post(*thread.context, [subscribers, indexes = std::move(thread.indexes)] {
            for (const std::uint32_t index : indexes) {
                const auto& conn = (*subscribers)[index];
                // Not inside a handler of this connection (the task is not on its strand): an idle
                // strand runs the write now, a busy one after what it is running.
                asio::dispatch(conn->strand(), [conn] { conn->write_pending(); });
            }
        });
    }
    threads_.clear();
}

}  // namespace ipcxx::detail
