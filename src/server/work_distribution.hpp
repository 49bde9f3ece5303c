// Which client gets the next distributed request (Server::distribute): socket-free, so that the
// choice is tested without connections.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipcxx::detail {

// A client that said in its hello which request events it handles.
struct Worker {
    std::uint64_t serial = 0;          // its connection
    std::vector<std::string> handles;  // request events ("*": any)
    std::size_t in_flight = 0;         // distributed requests sent to it and not yet answered
    std::uint64_t last_given = 0;      // when it last got one (a counter); 0: never
};

bool handles_event(const Worker& worker, std::string_view event);

// The worker for `event` with the fewest requests in flight; among equals the one given work
// longest ago, so that equal workers take turns. Workers in `exclude` (those whose connection
// already failed this request) are passed over. Nothing when no worker handles `event`.
std::optional<std::uint64_t> pick_worker(const std::vector<Worker>& workers, std::string_view event,
                                         const std::vector<std::uint64_t>& exclude = {});

}  // namespace ipcxx::detail
