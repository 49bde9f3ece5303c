// Which broadcasts one subscriber wants: event names or prefixes it subscribed to. Kept sorted and
// free of redundant prefixes ("ticks." makes "ticks.eu" redundant), so that at most one entry can
// match a name and it is the greatest entry not after the name: one binary search per subscriber.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ipcxx::detail {

class TopicFilter {
public:
    // Subscribed to `prefixes` (an event name is its own prefix; "" matches everything). An empty
    // list matches nothing: a client that unsubscribed from everything.
    explicit TopicFilter(std::vector<std::string> prefixes);

    bool matches(std::string_view event) const noexcept;
    // The subscriptions that count, sorted.
    const std::vector<std::string>& prefixes() const noexcept { return prefixes_; }

private:
    std::vector<std::string> prefixes_;
};

}  // namespace ipcxx::detail
