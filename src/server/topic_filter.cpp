#include "server/topic_filter.hpp"

#include <algorithm>

namespace ipcxx::detail {

TopicFilter::TopicFilter(std::vector<std::string> prefixes) : prefixes_(std::move(prefixes)) {
    std::sort(prefixes_.begin(), prefixes_.end());
    // After sorting, an entry that starts with a kept one is redundant (and so is a duplicate).
    std::vector<std::string> kept;
    kept.reserve(prefixes_.size());
    for (std::string& prefix : prefixes_) {
        if (!kept.empty() && std::string_view(prefix).substr(0, kept.back().size()) == kept.back()) continue;
        kept.push_back(std::move(prefix));
    }
    prefixes_ = std::move(kept);
}

bool TopicFilter::matches(std::string_view event) const noexcept {
    // The greatest entry not after `event`: any prefix of it lies between that entry and it.
    auto it = std::upper_bound(prefixes_.begin(), prefixes_.end(), event,
                               [](std::string_view name, const std::string& prefix) { return name < prefix; });
    if (it == prefixes_.begin()) return false;
    const std::string& candidate = *std::prev(it);
    return event.substr(0, candidate.size()) == candidate;
}

}  // namespace ipcxx::detail
