// The writers one broadcast has to start, grouped by the I/O thread their connections run on:
// each thread then gets one posted task that starts all of its writers, instead of one post (and
// possibly one wake-up) per subscriber. Queueing itself stays with the broadcasting caller, so that
// the broadcast's counts are known when it returns (docs/fanout.md).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <asio/io_context.hpp>

namespace ipcxx::detail {

class ServerConnection;

class WriteStarts {
public:
    // A broadcast's list of connections (ServerImpl::broadcast_targets).
    using Subscribers = std::vector<std::shared_ptr<ServerConnection>>;

    // Subscriber `index` of the list got a frame while its writer was idle; `thread`: the
    // io_context it runs on.
    void add(asio::io_context& thread, std::uint32_t index);
    // One task per thread: it starts its subscribers' writers in `subscribers`, each on its strand
    // (at once when the strand is idle). The list stays alive until the last task has run.
    void post(const std::shared_ptr<const Subscribers>& subscribers);

private:
    struct Thread {
        asio::io_context* context;
        std::vector<std::uint32_t> indexes;
    };
    std::vector<Thread> threads_;  // at most one per I/O thread
};

}  // namespace ipcxx::detail
