#include "server/work_distribution.hpp"

#include <algorithm>

namespace ipcxx::detail {

bool handles_event(const Worker& worker, std::string_view event) {
    return std::any_of(worker.handles.begin(), worker.handles.end(),
                       [&](const std::string& handled) { return handled == event || handled == "*"; });
}

std::optional<std::uint64_t> pick_worker(const std::vector<Worker>& workers, std::string_view event,
                                         const std::vector<std::uint64_t>& exclude) {
    const Worker* best = nullptr;
    for (const Worker& worker : workers) {
        if (!handles_event(worker, event)) continue;
        if (std::find(exclude.begin(), exclude.end(), worker.serial) != exclude.end()) continue;
        if (!best || worker.in_flight < best->in_flight ||
            (worker.in_flight == best->in_flight && worker.last_given < best->last_given)) {
            best = &worker;
        }
    }
    if (!best) return std::nullopt;
    return best->serial;
}

}  // namespace ipcxx::detail
